package com.onboardingexport.shared;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What the authorizer tells the export function about an allowed caller: the context of its Allow
 * policy, which API Gateway hands on as {@code requestContext.authorizer}.
 *
 * <p>Every value is text, because API Gateway turns context values into strings anyway: the Strapi
 * user's id, its role type, and its client ({@code ""} for an admin). The export function also finds
 * API Gateway's own {@code principalId} and {@code integrationLatency} there, which this record leaves out.
 *
 * @param userId the Strapi user's numeric id, as text
 * @param role the user's role type ({@code admin}, {@code client}, ...)
 * @param clientId the user's client ({@code documentId} on Strapi 5), {@code ""} for none
 */
public record AuthorizerContext(String userId, String role, String clientId) {
    static final String USER_ID = "userId";
    static final String ROLE = "role";
    static final String CLIENT_ID = "clientId";

    public AuthorizerContext {
        Objects.requireNonNull(userId, USER_ID);
        Objects.requireNonNull(role, ROLE);
        Objects.requireNonNull(clientId, CLIENT_ID);
    }

    /** The context of a Strapi user the authorizer allowed. */
    public static AuthorizerContext of(long userId, String role, String clientId) {
        return new AuthorizerContext(Long.toString(userId), role, clientId);
    }

    /**
     * Reads the context the export function receives; a missing map or key reads as {@code ""}, so a
     * request that no authorizer allowed has an empty {@link #userId()}.
     */
    public static AuthorizerContext from(Map<String, Object> authorizer) {
        if (authorizer == null) {
            return new AuthorizerContext("", "", "");
        }
        return new AuthorizerContext(text(authorizer.get(USER_ID)), text(authorizer.get(ROLE)), text(authorizer.get(CLIENT_ID)));
    }

    /** The context of the authorizer's Allow policy: these three keys, string values. */
    public Map<String, Object> toContext() {
        Map<String, Object> context = new LinkedHashMap<>();
        context.put(USER_ID, userId);
        context.put(ROLE, role);
        context.put(CLIENT_ID, clientId);
        return Collections.unmodifiableMap(context);
    }

    private static String text(Object value) {
        return value == null ? "" : value.toString();
    }
}
