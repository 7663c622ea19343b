package com.onboardingexport.export;

import java.util.Map;

/**
 * Who asks for an export: a Strapi user as the authorizer described it (userId, role, clientId),
 * or the system principal of a scheduled export. Never taken from the request body.
 */
public record Principal(String userId, String role, String clientId, String scheduleName) {

    public static Principal fromAuthorizerContext(Map<String, Object> authorizer) {
        if (authorizer == null) {
            return new Principal("", "", "", null);
        }
        return new Principal(text(authorizer.get("userId")), text(authorizer.get("role")),
                text(authorizer.get("clientId")), null);
    }

    public static Principal schedule(String scheduleName) {
        return new Principal("schedule:" + scheduleName, "system", "", scheduleName);
    }

    public boolean isScheduled() {
        return scheduleName != null;
    }

    private static String text(Object value) {
        return value == null ? "" : value.toString();
    }
}
