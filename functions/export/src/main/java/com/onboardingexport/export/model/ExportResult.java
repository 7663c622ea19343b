package com.onboardingexport.export.model;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.onboardingexport.shared.Json;
import java.time.Instant;

/**
 * A finished export: the 200 body of the HTTP contract, plus the object key for logs. Without a
 * link ({@code downloadUrl} and {@code expiresAt} null) it is what the worker answers.
 *
 * @param file what was stored; its {@code overflowColumn} (the CSV or XLSX column that holds the
 *     values whose columns did not fit under {@code MAX_CSV_COLUMNS}; null when every column fit,
 *     and always for JSON, which keeps answers whole) makes the body carry
 *     {@code "columns_truncated": true} and {@code "overflow_column"}; its {@code fieldsNotFound}
 *     (only when the request named {@code fields}) makes it carry {@code "fields_not_found"}; its
 *     {@code cellsTruncated} (XLSX cells cut to what a cell holds) makes it carry
 *     {@code "cells_truncated"}; its {@code rowsDegraded} (responses exported with {@code row_error}
 *     instead of their own fields) makes it carry {@code "rows_degraded"}.
 */
public record ExportResult(String exportId, String downloadUrl, Instant expiresAt, ExportStatus.Result file) {

    public long recordCount() {
        return file.recordCount();
    }

    public long sizeBytes() {
        return file.sizeBytes();
    }

    public String key() {
        return file.key();
    }

    public ObjectNode toJson() {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("export_id", exportId);
        if (downloadUrl != null) {
            body.put("download_url", downloadUrl);
        }
        body.put("filename", file.filename());
        body.put("file_format", file.fileFormat());
        if (file.compression() != null) {
            body.put("compression", file.compression());
        }
        body.put("content_type", file.contentType());
        body.put("record_count", file.recordCount());
        body.put("size_bytes", file.sizeBytes());
        if (expiresAt != null) {
            body.put("expires_at", expiresAt.toString());
        }
        if (file.overflowColumn() != null) {
            body.put("columns_truncated", true);
            body.put("overflow_column", file.overflowColumn());
        }
        if (file.fieldsNotFound() != null) {
            file.fieldsNotFound().forEach(body.putArray("fields_not_found")::add);
        }
        if (file.cellsTruncated() != null) {
            body.put("cells_truncated", file.cellsTruncated());
        }
        if (file.rowsDegraded() != null) {
            body.put("rows_degraded", file.rowsDegraded());
        }
        return body;
    }
}
