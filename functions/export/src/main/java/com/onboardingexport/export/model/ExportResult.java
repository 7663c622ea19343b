package com.onboardingexport.export.model;

import java.time.Instant;

/**
 * A finished export: its stored file and a freshly signed link to it ({@code downloadUrl} and
 * {@code expiresAt} null where no link is given, as in the worker's answer).
 */
public record ExportResult(String exportId, String downloadUrl, Instant expiresAt, ExportedFile file) {

    /** The file without a link. */
    public static ExportResult unsigned(String exportId, ExportedFile file) {
        return new ExportResult(exportId, null, null, file);
    }
}
