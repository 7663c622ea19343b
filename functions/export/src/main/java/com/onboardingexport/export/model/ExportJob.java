package com.onboardingexport.export.model;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.onboardingexport.shared.Json;
import java.io.IOException;

/**
 * What the API function hands the worker for a background export, as the event
 * {@code {"background_export": {...}}} ({@link BackgroundExportEvent}): the export, when and by whom
 * it was asked for, and the request with its date range already resolved (so {@code last_30_days}
 * means the window of the POST).
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record ExportJob(String exportId, String requestedAt, String requestId, Owner principal,
                        @JsonDeserialize(using = UntrustedRequest.class) ExportRequest request, String statusUrl) {
    /** The key of the event the API function sends the worker to run an export in the background. */
    public static final String JOB_EVENT = "background_export";

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Owner(String userId, String role, String clientId) {
        Principal toPrincipal() {
            return new Principal(nullToEmpty(userId), nullToEmpty(role), nullToEmpty(clientId), null);
        }

        private static String nullToEmpty(String text) {
            return text == null ? "" : text;
        }
    }

    /**
     * The request of an event, which whoever may invoke the worker could have written: null when it
     * is not a resolved request, so the event still names its export (the worker runs the stored job).
     */
    public static final class UntrustedRequest extends JsonDeserializer<ExportRequest> {
        @Override
        public ExportRequest deserialize(JsonParser parser, DeserializationContext context) throws IOException {
            JsonNode json = parser.readValueAsTree();
            try {
                return Json.MAPPER.treeToValue(json, ExportRequest.class);
            } catch (IOException | IllegalArgumentException e) {
                return null;
            }
        }
    }
}
