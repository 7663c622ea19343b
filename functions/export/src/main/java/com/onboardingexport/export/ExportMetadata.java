package com.onboardingexport.export;

import java.time.Instant;

/** Who asked for which export, and when: the head of a JSON export. */
public record ExportMetadata(String exportId, Instant generatedAt, Principal principal, ExportRequest request) {
}
