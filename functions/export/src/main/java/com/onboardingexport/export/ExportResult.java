package com.onboardingexport.export;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.onboardingexport.shared.Json;
import java.time.Instant;

/** A finished export: the 200 body of the HTTP contract, plus the object key for logs. */
public record ExportResult(String exportId, String downloadUrl, String filename, FileFormat format, long recordCount,
                           long sizeBytes, Instant expiresAt, String key) {

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
        return body;
    }
}
