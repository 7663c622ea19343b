package com.onboardingexport.local.gateway;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Serves the API's description, {@code GET /openapi.yaml} (the repository's openapi.yaml, read on
 * every request so an edit shows at once), without the authorizer: a local convenience, not a
 * route of the template. Any other path under that prefix goes to the API as usual.
 */
public final class LocalOpenApi {
    public static final String PATH = "/openapi.yaml";
    static final String CONTENT_TYPE = "application/yaml";

    private LocalOpenApi() {
    }

    /** Adds the route to the local API's server; {@code api} answers every other request as before. */
    static void serve(HttpServer server, Path document, HttpHandler api) {
        server.createContext(PATH, exchange -> {
            if (!PATH.equals(exchange.getRequestURI().getRawPath())
                    || !("GET".equals(exchange.getRequestMethod()) || "HEAD".equals(exchange.getRequestMethod()))) {
                api.handle(exchange);
                return;
            }
            try (exchange) {
                answer(exchange, document);
            }
        });
    }

    private static void answer(HttpExchange exchange, Path document) throws IOException {
        if (!Files.isRegularFile(document)) {
            byte[] body = "{\"message\":\"no openapi.yaml beside the template\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(404, body.length);
            exchange.getResponseBody().write(body);
            return;
        }
        byte[] body = Files.readAllBytes(document);
        exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        boolean head = "HEAD".equals(exchange.getRequestMethod());
        exchange.sendResponseHeaders(200, head ? -1 : body.length);
        if (!head) {
            exchange.getResponseBody().write(body);
        }
    }
}
