package com.onboardingexport.local.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.onboardingexport.local.lambda.LocalApiFunction;
import com.onboardingexport.local.lambda.LocalFunctions;
import com.onboardingexport.local.lambda.LocalTraceHeader;
import com.onboardingexport.local.template.LocalApiTemplate;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A route's Lambda proxy integration: the function invoked with the proxy event within the route's
 * integration timeout (else INTEGRATION_TIMEOUT), and its proxy response sent as the HTTP answer. A
 * function error or malformed proxy response gives 502 {"message": "Internal server error"}, a
 * throttled function 500.
 */
final class ProxyIntegration {
    private final LocalFunctions functions;
    private final GatewayResponses responses;

    ProxyIntegration(LocalFunctions functions, GatewayResponses responses) {
        this.functions = functions;
        this.responses = responses;
    }

    /** Invokes the route's function and answers the request; returns the status sent. */
    int answer(HttpExchange exchange, String requestId, LocalApiTemplate.Route route, ObjectNode event, String trace)
            throws IOException, InterruptedException {
        LocalApiFunction function = functions.function(route.functionId());
        String functionId = function.spec().logicalId();
        Optional<CompletableFuture<LocalApiFunction.Result>> invocation = function.invokeWithinReserved(
                event.toString(), function.spec().invokedArn(), UUID.randomUUID().toString(), LocalTraceHeader.child(trace));
        if (invocation.isEmpty()) {
            functions.recordError(functionId, "throttled: reserved concurrency reached");
            return responses.throttledIntegration(exchange, requestId);
        }
        LocalApiFunction.Result result;
        try {
            result = invocation.get().get(route.timeoutMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return responses.send(exchange, "INTEGRATION_TIMEOUT", requestId, "Endpoint request timed out");
        } catch (ExecutionException e) {
            functions.recordError(functionId, "invocation failed: " + e.getCause());
            return responses.badGateway(exchange, requestId);
        }
        if (result.functionError()) {
            functions.recordError(functionId, result.payload());
            return responses.badGateway(exchange, requestId);
        }
        JsonNode response = result.json();
        if (response == null || !response.isObject() || !response.path("statusCode").canConvertToInt()) {
            functions.recordError(functionId, "Malformed Lambda proxy response: " + result.payload());
            return responses.badGateway(exchange, requestId);
        }
        return send(exchange, requestId, response);
    }

    /** A proxy response as API Gateway sends it: status, headers (multi-value ones first, then single ones), body. */
    private static int send(HttpExchange exchange, String requestId, JsonNode response) throws IOException {
        Map<String, String> headers = new LinkedHashMap<>();
        response.path("multiValueHeaders").fields().forEachRemaining(h -> {
            if (h.getValue().isArray() && !h.getValue().isEmpty()) {
                headers.put(h.getKey(), h.getValue().get(h.getValue().size() - 1).asText());
            }
        });
        response.path("headers").fields().forEachRemaining(h -> headers.put(h.getKey(), h.getValue().asText()));
        if (headers.keySet().stream().noneMatch(h -> h.equalsIgnoreCase("Content-Type"))) {
            headers.put("Content-Type", "application/json");
        }
        headers.put("x-amzn-RequestId", requestId);
        String body = response.path("body").isNull() || response.path("body").isMissingNode() ? "" : response.path("body").asText();
        byte[] bytes = response.path("isBase64Encoded").asBoolean(false)
                ? Base64.getDecoder().decode(body) : body.getBytes(StandardCharsets.UTF_8);
        int status = response.path("statusCode").asInt();
        GatewayResponses.send(exchange, status, headers, bytes);
        return status;
    }
}
