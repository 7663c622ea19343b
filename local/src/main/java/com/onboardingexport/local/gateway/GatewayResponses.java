package com.onboardingexport.local.gateway;

import com.onboardingexport.local.template.LocalApiTemplate;
import com.onboardingexport.shared.Json;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * API Gateway's own answers: the gateway responses (the template's customisation of a type, else
 * its DEFAULT_4XX / DEFAULT_5XX, else API Gateway's default), whose headers map static values and
 * the request's headers (the CORS Origin echo), and the 5xx "Internal server error" of a failed integration.
 */
final class GatewayResponses {
    static final String INTERNAL_SERVER_ERROR = "{\"message\": \"Internal server error\"}";
    private static final Map<String, Integer> DEFAULT_STATUS = Map.of(
            "UNAUTHORIZED", 401, "ACCESS_DENIED", 403, "MISSING_AUTHENTICATION_TOKEN", 403,
            "AUTHORIZER_FAILURE", 500, "AUTHORIZER_CONFIGURATION_ERROR", 500, "INTEGRATION_TIMEOUT", 504,
            "THROTTLED", 429, "WAF_FILTERED", 403);

    private final LocalApiTemplate template;

    GatewayResponses(LocalApiTemplate template) {
        this.template = template;
    }

    /** Answers with the gateway response of that type; {@code message} fills {@code $context.error.message} (null: none). */
    int send(HttpExchange exchange, String type, String requestId, String message) throws IOException {
        int defaultStatus = DEFAULT_STATUS.getOrDefault(type, 500);
        Optional<LocalApiTemplate.GatewayResponse> custom = customised(type, defaultStatus);
        int status = custom.map(LocalApiTemplate.GatewayResponse::status).filter(s -> s > 0).orElse(defaultStatus);
        String body = custom.map(LocalApiTemplate.GatewayResponse::bodyTemplate)
                .orElse("{\"message\":$context.error.messageString}");
        String quoted = message == null ? "null" : Json.MAPPER.writeValueAsString(message);
        body = body.replace("$context.requestId", requestId)
                .replace("$context.error.messageString", quoted)
                .replace("$context.error.message", message == null ? "null" : message)
                .replace("$context.error.responseType", type);
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/json");
        headers.putAll(headers(exchange, type, defaultStatus));
        headers.put("x-amzn-RequestId", requestId);
        send(exchange, status, headers, body);
        return status;
    }

    /** A function that failed or answered no proxy response: API Gateway's 502, with DEFAULT_5XX's headers (CORS). */
    int badGateway(HttpExchange exchange, String requestId) throws IOException {
        return internalServerError(exchange, requestId, 502);
    }

    /**
     * The integration's function throttled (its reserved concurrency reached): Lambda refuses the
     * invocation with 429 TooManyRequestsException, which a REST API's proxy integration does not pass
     * on: the caller gets API Gateway's 500 "Internal server error", with DEFAULT_5XX's headers (CORS).
     */
    int throttledIntegration(HttpExchange exchange, String requestId) throws IOException {
        return internalServerError(exchange, requestId, 500);
    }

    private int internalServerError(HttpExchange exchange, String requestId, int status) throws IOException {
        Map<String, String> headers = headers(exchange, "DEFAULT_5XX", status);
        headers.put("Content-Type", "application/json");
        headers.put("x-amzn-RequestId", requestId);
        headers.put("x-amzn-ErrorType", "InternalServerErrorException");
        send(exchange, status, headers, INTERNAL_SERVER_ERROR);
        return status;
    }

    /** The local API's own failure (a bug, not API Gateway's behaviour): 500, with DEFAULT_5XX's headers. */
    void unexpectedError(HttpExchange exchange) throws IOException {
        Map<String, String> headers = headers(exchange, "DEFAULT_5XX", 500);
        headers.put("Content-Type", "application/json");
        send(exchange, 500, headers, INTERNAL_SERVER_ERROR);
    }

    /** The headers of that gateway response for this request: static ones and mapped request headers (CORS). */
    private Map<String, String> headers(HttpExchange exchange, String type, int defaultStatus) {
        return new LinkedHashMap<>(customised(type, defaultStatus)
                .map(c -> c.headers(exchange.getRequestHeaders()::getFirst)).orElse(Map.of()));
    }

    /** The template's customisation of a gateway response type, else its DEFAULT_4XX / DEFAULT_5XX. */
    private Optional<LocalApiTemplate.GatewayResponse> customised(String type, int defaultStatus) {
        return template.gatewayResponse(type)
                .or(() -> template.gatewayResponse(defaultStatus < 500 ? "DEFAULT_4XX" : "DEFAULT_5XX"));
    }

    static void send(HttpExchange exchange, int status, Map<String, String> headers, String body) throws IOException {
        send(exchange, status, headers, body.getBytes(StandardCharsets.UTF_8));
    }

    static void send(HttpExchange exchange, int status, Map<String, String> headers, byte[] body) throws IOException {
        headers.forEach(exchange.getResponseHeaders()::set);
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            exchange.getResponseBody().write(body);
        }
    }
}
