package com.onboardingexport.export.api;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which browser origins may read the API's answers (CORS), from CORS_ALLOWED_ORIGINS: exact
 * origins, comma-separated ({@code https://app.example.com}). An entry ending in {@code :*}
 * ({@code http://localhost:*}) allows that scheme and host on any port: the local run's
 * development setting; the template's parameter accepts exact origins only. Nothing is allowed
 * by default.
 */
public final class CorsPolicy {
    static final String ALLOWED_HEADERS = "Authorization, Content-Type, Idempotency-Key";
    static final String ALLOWED_METHODS = "GET, POST, OPTIONS";
    /** How long a browser may keep a preflight's answer (Chrome keeps at most 2 hours). */
    static final String MAX_AGE_SECONDS = "600";
    /** Headers of our answers a front end may read besides the simple ones. */
    static final String EXPOSED_HEADERS = "Retry-After, X-Request-Id";

    private final List<String> allowed;

    private CorsPolicy(List<String> allowed) {
        this.allowed = allowed;
    }

    /** Parses the comma-separated list; blank means no origin. */
    public static CorsPolicy parse(String origins) {
        return new CorsPolicy(Arrays.stream(origins == null ? new String[0] : origins.split(","))
                .map(String::trim).filter(origin -> !origin.isEmpty()).toList());
    }

    /** The request's Origin when it may read the answer (header names are case-insensitive). */
    public Optional<String> allowedOrigin(Map<String, String> requestHeaders) {
        if (requestHeaders == null) {
            return Optional.empty();
        }
        return requestHeaders.entrySet().stream()
                .filter(header -> "Origin".equalsIgnoreCase(header.getKey()))
                .map(Map.Entry::getValue)
                .filter(this::allows)
                .findFirst();
    }

    boolean allows(String origin) {
        for (String entry : allowed) {
            if (entry.equals(origin)) {
                return true;
            }
            if (entry.endsWith(":*")) {
                String host = entry.substring(0, entry.length() - 2);
                if (origin.equals(host) || (origin.startsWith(host + ":") && origin.substring(host.length() + 1).matches("[0-9]{1,5}"))) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Adds the CORS headers of an actual (non-preflight) answer: the caller's origin when it is
     * allowed, and {@code Vary: Origin} always, since the answer depends on it.
     */
    APIGatewayProxyResponseEvent apply(APIGatewayProxyResponseEvent answer, Map<String, String> requestHeaders) {
        answer.getHeaders().put("Vary", "Origin");
        allowedOrigin(requestHeaders).ifPresent(origin -> {
            answer.getHeaders().put("Access-Control-Allow-Origin", origin);
            answer.getHeaders().put("Access-Control-Expose-Headers", EXPOSED_HEADERS);
        });
        return answer;
    }

    /** The preflight headers for an allowed origin. */
    static Map<String, String> preflightHeaders(String origin) {
        return Map.of("Access-Control-Allow-Origin", origin,
                "Access-Control-Allow-Methods", ALLOWED_METHODS,
                "Access-Control-Allow-Headers", ALLOWED_HEADERS,
                "Access-Control-Max-Age", MAX_AGE_SECONDS,
                "Vary", "Origin");
    }
}
