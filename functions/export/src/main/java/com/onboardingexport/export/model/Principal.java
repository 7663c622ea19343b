package com.onboardingexport.export.model;

import java.util.Map;

/**
 * Who asks for an export: a Strapi user as the authorizer described it (userId, role, clientId),
 * or the system principal of a scheduled export. Never taken from the request body.
 */
public record Principal(String userId, String role, String clientId, String scheduleName) {
    /** The role of a schedule's principal: never a Strapi role. */
    public static final String SYSTEM_ROLE = "system";

    public static Principal fromAuthorizerContext(Map<String, Object> authorizer) {
        if (authorizer == null) {
            return new Principal("", "", "", null);
        }
        return new Principal(text(authorizer.get("userId")), text(authorizer.get("role")),
                text(authorizer.get("clientId")), null);
    }

    /** A schedule's system principal; {@code clientId} empty for a schedule of every client. */
    public static Principal schedule(String scheduleName, String clientId) {
        return new Principal("schedule:" + scheduleName, SYSTEM_ROLE, clientId == null ? "" : clientId, scheduleName);
    }

    /** Names this principal on every log line of the invocation from now on. */
    public void putInLogContext() {
        com.onboardingexport.shared.JsonLog.put("user_id", userId);
        com.onboardingexport.shared.JsonLog.put("role", role);
        com.onboardingexport.shared.JsonLog.put("client_id", clientId);
        com.onboardingexport.shared.JsonLog.put("schedule_name", scheduleName);
    }

    public static Principal schedule(String scheduleName) {
        return schedule(scheduleName, "");
    }

    public boolean isScheduled() {
        return scheduleName != null;
    }

    private static String text(Object value) {
        return value == null ? "" : value.toString();
    }
}
