package com.onboardingexport.export.model;

import com.onboardingexport.shared.AuthorizerContext;
import java.util.Map;

/**
 * Who asks for an export: a Strapi user as the authorizer described it ({@link AuthorizerContext}),
 * or the system principal of a scheduled export. Never taken from the request body.
 */
public record Principal(String userId, String role, String clientId, String scheduleName) {
    /** The role of a schedule's principal: never a Strapi role. */
    public static final String SYSTEM_ROLE = "system";

    /** The caller of an API request, from its {@code requestContext.authorizer}; empty fields when there is none. */
    public static Principal fromAuthorizerContext(Map<String, Object> authorizer) {
        AuthorizerContext context = AuthorizerContext.from(authorizer);
        return new Principal(context.userId(), context.role(), context.clientId(), null);
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
}
