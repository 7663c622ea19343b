package com.onboardingexport.export.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * What the API function hands the worker for a background export, as the event
 * {@code {"background_export": {...}}}: the export, when and by whom it was asked for, and the
 * request with its date range already resolved (so {@code last_30_days} means the window of the POST).
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record ExportJob(String exportId, String requestedAt, String requestId, Owner principal, JsonNode request,
                        String statusUrl) {
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
}
