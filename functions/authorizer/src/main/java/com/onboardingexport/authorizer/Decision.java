package com.onboardingexport.authorizer;

import com.onboardingexport.shared.AuthorizerContext;

/**
 * The authorizer's verdict on a verified token's user: allowed with the context the export
 * function reads, or denied with a reason for the logs (never shown to the caller).
 */
public record Decision(boolean allowed, long userId, String role, String clientId, String reason) {

    public static Decision allow(long userId, String role, String clientId) {
        return new Decision(true, userId, role, clientId, "allowed");
    }

    public static Decision deny(long userId, String role, String reason) {
        return new Decision(false, userId, role, "", reason);
    }

    /** What an Allow tells the export function about this user. */
    public AuthorizerContext context() {
        return AuthorizerContext.of(userId, role, clientId);
    }
}
