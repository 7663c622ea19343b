package com.onboardingexport.export.format;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import com.onboardingexport.export.spool.ExportSpool;
import com.onboardingexport.shared.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Instant;

/**
 * Writes the spooled rows as one hierarchical JSON document: the export's metadata, then each
 * campaign with its client and its responses, answers kept as nested JSON. Streamed, so the
 * document is never whole in memory.
 */
public final class JsonExportWriter implements ExportWriter {
    private final ExportMetadata metadata;

    public JsonExportWriter(ExportMetadata metadata) {
        this.metadata = metadata;
    }

    @Override
    public long write(ExportSpool spool, OutputStream out) throws IOException {
        JsonGenerator json = Json.MAPPER.getFactory().createGenerator(out, JsonEncoding.UTF8);
        json.writeStartObject();
        json.writeObjectFieldStart("export");
        json.writeStringField("export_id", metadata.exportId());
        json.writeStringField("generated_at", metadata.generatedAt().toString());
        json.writeStringField("file_format", "json");
        json.writeNumberField("record_count", spool.rows());
        if (spool.rowsDegraded() > 0) {
            json.writeNumberField("rows_degraded", spool.rowsDegraded());
        }
        json.writeArrayFieldStart("campaign_ids");
        for (String id : metadata.campaignIds()) {
            json.writeString(id);
        }
        json.writeEndArray();
        json.writeObjectFieldStart("date_range");
        json.writeStringField("value", metadata.dateRange().value());
        writeInstant(json, "start", metadata.dateRange().start());
        writeInstant(json, "end", metadata.dateRange().end());
        json.writeStringField("timezone", metadata.dateRange().timezone());
        json.writeEndObject();
        json.writeObjectFieldStart("requested_by");
        ExportMetadata.RequestedBy requestedBy = metadata.requestedBy();
        if (requestedBy.scheduleName() != null) {
            json.writeStringField("schedule_name", requestedBy.scheduleName());
        } else {
            json.writeStringField("user_id", requestedBy.userId());
            json.writeStringField("role", requestedBy.role());
            if (!requestedBy.clientId().isEmpty()) {
                json.writeStringField("client_id", requestedBy.clientId());
            }
        }
        json.writeEndObject();
        json.writeEndObject();

        json.writeArrayFieldStart("campaigns");
        for (ExportSpool.Campaign campaign : spool.campaigns()) {
            json.writeStartObject();
            json.writeStringField("id", campaign.id);
            json.writeStringField("name", campaign.name);
            json.writeObjectFieldStart("client");
            json.writeStringField("id", campaign.clientId);
            json.writeStringField("name", campaign.clientName);
            json.writeEndObject();
            json.writeNumberField("response_count", campaign.rows());
            json.writeArrayFieldStart("responses");
            spool.forEachRow(campaign, row -> {
                try {
                    json.writeTree(row);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            json.writeEndArray();
            json.writeEndObject();
        }
        json.writeEndArray();
        json.writeEndObject();
        json.flush();
        return 0;
    }

    private static void writeInstant(JsonGenerator json, String field, Instant instant) throws IOException {
        if (instant == null) {
            json.writeNullField(field);
        } else {
            json.writeStringField(field, instant.toString());
        }
    }
}
