package com.onboardingexport.export;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.onboardingexport.shared.Json;
import java.time.Instant;

/**
 * A finished export: the 200 body of the HTTP contract, plus the object key for logs.
 *
 * @param overflowColumn the CSV column that holds the values whose columns did not fit under
 *     {@code MAX_CSV_COLUMNS}, or null when every column fit (always null for JSON, which keeps
 *     answers whole). Only when set does the body carry {@code "columns_truncated": true} and
 *     {@code "overflow_column"}; otherwise neither key is present.
 */
public record ExportResult(String exportId, String downloadUrl, String filename, FileFormat format, long recordCount,
                           long sizeBytes, Instant expiresAt, String key, String overflowColumn) {

    public ObjectNode toJson() {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("export_id", exportId);
        body.put("download_url", downloadUrl);
        body.put("filename", filename);
        body.put("file_format", format.extension());
        body.put("content_type", format.contentType());
        body.put("record_count", recordCount);
        body.put("size_bytes", sizeBytes);
        body.put("expires_at", expiresAt.toString());
        if (overflowColumn != null) {
            body.put("columns_truncated", true);
            body.put("overflow_column", overflowColumn);
        }
        return body;
    }
}
