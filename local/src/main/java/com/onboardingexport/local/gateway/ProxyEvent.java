package com.onboardingexport.local.gateway;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.onboardingexport.local.template.LocalApiTemplate;
import com.onboardingexport.shared.Json;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The REST API proxy event API Gateway hands a Lambda integration: the request's path, headers
 * (with the X-Forwarded-* ones API Gateway adds), query string, path variables, body and the
 * request context, whose {@code authorizer} holds the authorizer's context and principalId.
 */
final class ProxyEvent {
    private static final DateTimeFormatter REQUEST_TIME = DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    private ProxyEvent() {
    }

    static ObjectNode of(HttpExchange exchange, String requestId, String method, RouteTable.Match match, String stage,
                         Optional<ObjectNode> authorizerContext) throws IOException {
        ObjectNode event = Json.MAPPER.createObjectNode();
        String path = URLDecoder.decode(match.rawPath().replace("+", "%2B"), StandardCharsets.UTF_8);
        event.put("resource", match.route().path());
        event.put("path", path);
        event.put("httpMethod", method);
        putHeaders(event, exchange);
        putQuery(event, exchange.getRequestURI().getRawQuery());
        if (match.pathParameters().isEmpty()) {
            event.putNull("pathParameters");
        } else {
            ObjectNode parameters = event.putObject("pathParameters");
            match.pathParameters().forEach(parameters::put);
        }
        event.putNull("stageVariables");
        ObjectNode context = requestContext(event, exchange, requestId, method, match.route(), "/" + stage + path, stage);
        authorizerContext.ifPresent(authorizer -> context.set("authorizer", authorizer));
        byte[] body = exchange.getRequestBody().readAllBytes();
        if (body.length == 0) {
            event.putNull("body");
        } else {
            event.put("body", new String(body, StandardCharsets.UTF_8));
        }
        event.put("isBase64Encoded", false);
        return event;
    }

    private static void putHeaders(ObjectNode event, HttpExchange exchange) {
        ObjectNode headers = Json.MAPPER.createObjectNode();
        ObjectNode multiHeaders = Json.MAPPER.createObjectNode();
        Map<String, List<String>> requestHeaders = new LinkedHashMap<>(exchange.getRequestHeaders());
        // What API Gateway adds in front of the integration (the local scheme and port, not https/443).
        requestHeaders.put("X-Forwarded-For", List.of(exchange.getRemoteAddress().getAddress().getHostAddress()));
        requestHeaders.put("X-Forwarded-Port", List.of(Integer.toString(exchange.getLocalAddress().getPort())));
        requestHeaders.put("X-Forwarded-Proto", List.of("http"));
        requestHeaders.forEach((name, values) -> {
            headers.put(name, values.get(values.size() - 1));
            values.forEach(multiHeaders.withArray(name)::add);
        });
        event.set("headers", headers);
        event.set("multiValueHeaders", multiHeaders);
    }

    private static void putQuery(ObjectNode event, String query) {
        if (query == null || query.isEmpty()) {
            event.putNull("queryStringParameters");
            event.putNull("multiValueQueryStringParameters");
            return;
        }
        ObjectNode single = event.putObject("queryStringParameters");
        ObjectNode multi = event.putObject("multiValueQueryStringParameters");
        for (String pair : query.split("&")) {
            String[] kv = pair.split("=", 2);
            String key = URLDecoder.decode(kv[0], StandardCharsets.UTF_8);
            String value = kv.length > 1 ? URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "";
            single.put(key, value);
            multi.withArray(key).add(value);
        }
    }

    private static ObjectNode requestContext(ObjectNode event, HttpExchange exchange, String requestId, String method,
                                             LocalApiTemplate.Route route, String stagePath, String stage) {
        Instant now = Instant.now();
        ObjectNode context = event.putObject("requestContext");
        context.put("accountId", LocalApiTemplate.ACCOUNT);
        context.put("apiId", LocalApi.API_ID);
        context.put("resourceId", Integer.toHexString(route.path().hashCode()));
        context.put("resourcePath", route.path());
        context.put("httpMethod", method);
        context.put("requestId", requestId);
        context.put("extendedRequestId", requestId);
        context.put("requestTime", REQUEST_TIME.format(now));
        context.put("requestTimeEpoch", now.toEpochMilli());
        context.put("path", stagePath);
        context.put("stage", stage);
        context.put("protocol", exchange.getProtocol());
        // No domainName/domainPrefix: API Gateway's would be an https execute-api host. Without them
        // the export function builds its status_url from the Host header, which is the local one.
        context.putObject("identity")
                .put("sourceIp", exchange.getRemoteAddress().getAddress().getHostAddress())
                .put("userAgent", exchange.getRequestHeaders().getFirst("User-Agent"));
        return context;
    }
}
