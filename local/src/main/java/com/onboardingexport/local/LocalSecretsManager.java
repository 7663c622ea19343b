package com.onboardingexport.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.onboardingexport.shared.Json;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in for Secrets Manager at the wire protocol (no emulator runs without Docker): it answers
 * {@code X-Amz-Target: secretsmanager.GetSecretValue} (AWS JSON 1.1) the way the service does, so
 * the real {@code SecretsManagerClient} reaches it through AWS_ENDPOINT_URL. It requires a SigV4
 * Authorization header but does not verify it. It counts calls, so tests can check caching.
 */
public final class LocalSecretsManager implements AutoCloseable {
    private final HttpServer server;
    private final Map<String, String> secrets = new ConcurrentHashMap<>();
    private final AtomicInteger getSecretValueCalls = new AtomicInteger();

    private LocalSecretsManager(HttpServer server) {
        this.server = server;
    }

    public static LocalSecretsManager start(int port) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        LocalSecretsManager manager = new LocalSecretsManager(server);
        server.createContext("/", manager::handle);
        server.start();
        return manager;
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    public void putSecret(String secretId, String secretString) {
        secrets.put(secretId, secretString);
    }

    public int getSecretValueCalls() {
        return getSecretValueCalls.get();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            if (authorization == null || !authorization.startsWith("AWS4-HMAC-SHA256 ")) {
                reply(exchange, 400, error("MissingAuthenticationTokenException", "Request is missing a SigV4 signature"));
                return;
            }
            if (!"secretsmanager.GetSecretValue".equals(target)) {
                reply(exchange, 400, error("UnknownOperationException", "Not supported here: " + target));
                return;
            }
            getSecretValueCalls.incrementAndGet();
            JsonNode request = Json.MAPPER.readTree(exchange.getRequestBody());
            String secretId = request.path("SecretId").asText();
            String value = secrets.get(secretId);
            if (value == null) {
                reply(exchange, 400, error("ResourceNotFoundException", "Secrets Manager can't find the specified secret."));
                return;
            }
            var body = Json.MAPPER.createObjectNode();
            body.put("ARN", secretId.startsWith("arn:") ? secretId : "arn:aws:secretsmanager:us-east-1:000000000000:secret:" + secretId);
            body.put("Name", secretId);
            body.put("SecretString", value);
            body.put("VersionId", "00000000-0000-0000-0000-000000000001");
            body.putArray("VersionStages").add("AWSCURRENT");
            body.put("CreatedDate", 1.7e9);
            reply(exchange, 200, body.toString());
        }
    }

    private static String error(String type, String message) {
        var body = Json.MAPPER.createObjectNode();
        body.put("__type", type);
        body.put("message", message);
        return body.toString();
    }

    private static void reply(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.1");
        exchange.getResponseHeaders().set("x-amzn-RequestId", java.util.UUID.randomUUID().toString());
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
