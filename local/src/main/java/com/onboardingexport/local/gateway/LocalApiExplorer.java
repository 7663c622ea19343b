package com.onboardingexport.local.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.onboardingexport.local.services.NpmPackages;
import com.onboardingexport.local.template.ProjectRoot;
import com.onboardingexport.shared.Json;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * The local run's API explorer: Swagger UI at {@code GET /docs} on the repository's openapi.yaml,
 * with the local API's own URL as the first server, so "Try it out" calls this local API. Swagger UI
 * is npm's swagger-ui-dist, pinned in local/swagger-ui/package-lock.json and installed with
 * {@code npm ci} only when that lock changed ({@link NpmPackages}); the page and its scripts are served
 * from there, so opening it needs no network. Like {@code /openapi.yaml}, a local convenience without
 * the authorizer: the page needs no token; its Authorize button takes the Strapi JWT the calls send.
 * Every other path (and every method but GET and HEAD) goes to the API as usual.
 */
public final class LocalApiExplorer {
    public static final String PATH = "/docs";
    /** The document as the page loads it: openapi.yaml as JSON, this local API first in its servers. */
    static final String DOCUMENT_PATH = PATH + "/openapi.json";
    private static final Pattern ASSET = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*\\.(js|css|png|map)");
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9.-]+(:[0-9]{1,5})?|\\[[0-9A-Fa-f:.]+\\](:[0-9]{1,5})?");
    private static final Map<String, String> TYPES = Map.of("js", "text/javascript; charset=utf-8",
            "css", "text/css; charset=utf-8", "png", "image/png", "map", "application/json");
    /** validatorUrl null: Swagger UI would otherwise ask an online validator about the document. */
    private static final String PAGE = """
            <!doctype html>
            <html lang="en">
            <head>
              <meta charset="utf-8">
              <title>onboarding-export API (local run)</title>
              <link rel="stylesheet" href="/docs/swagger-ui.css">
            </head>
            <body>
              <div id="swagger-ui"></div>
              <script src="/docs/swagger-ui-bundle.js"></script>
              <script>
                window.ui = SwaggerUIBundle({url: '/docs/openapi.json', dom_id: '#swagger-ui', deepLinking: true,
                    validatorUrl: null, displayRequestDuration: true});
              </script>
            </body>
            </html>
            """;

    private final Path document;
    private final Path swaggerUi;
    private final String unavailable;
    private final String localUrl;

    private LocalApiExplorer(Path document, Path swaggerUi, String unavailable, String localUrl) {
        this.document = document;
        this.swaggerUi = swaggerUi;
        this.unavailable = unavailable;
        this.localUrl = localUrl;
    }

    /**
     * Installs Swagger UI when its lock changed and adds {@code /docs} to the local API's server;
     * {@code api} answers every other request. Without Swagger UI (npm failed) the local API still
     * runs, and {@code /docs} says why it is missing.
     */
    static void serve(HttpServer server, Path document, HttpHandler api, Consumer<String> log) {
        Path packages = null;
        String unavailable = null;
        try {
            packages = ProjectRoot.find().resolve("local/swagger-ui");
            // No install scripts: swagger-ui-dist has none, and its dependency @scarf/scarf's would report the install online.
            NpmPackages.ensureInstalled(packages, "a few seconds", "--ignore-scripts");
        } catch (IOException | RuntimeException e) {
            unavailable = "Swagger UI could not be installed: " + e.getMessage();
            log.accept("[LocalApi] WARNING no API explorer at " + PATH + ": " + unavailable);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            unavailable = "interrupted while installing Swagger UI";
        }
        LocalApiExplorer explorer = new LocalApiExplorer(document,
                packages == null ? null : packages.resolve("node_modules/swagger-ui-dist"), unavailable,
                "http://127.0.0.1:" + server.getAddress().getPort());
        server.createContext(PATH, exchange -> {
            String path = exchange.getRequestURI().getRawPath();
            String method = exchange.getRequestMethod();
            if (!(path.equals(PATH) || path.startsWith(PATH + "/")) || !("GET".equals(method) || "HEAD".equals(method))) {
                api.handle(exchange);
                return;
            }
            try (exchange) {
                explorer.answer(exchange, path);
            }
        });
    }

    private void answer(HttpExchange exchange, String path) throws IOException {
        if (unavailable != null) {
            send(exchange, 503, "text/plain; charset=utf-8", (unavailable + "\n").getBytes(StandardCharsets.UTF_8));
        } else if (path.equals(PATH) || path.equals(PATH + "/")) {
            send(exchange, 200, "text/html; charset=utf-8", PAGE.getBytes(StandardCharsets.UTF_8));
        } else if (path.equals(DOCUMENT_PATH)) {
            if (!Files.isRegularFile(document)) {
                send(exchange, 404, "text/plain; charset=utf-8", "no openapi.yaml beside the template\n".getBytes(StandardCharsets.UTF_8));
                return;
            }
            send(exchange, 200, "application/json", Json.MAPPER.writeValueAsBytes(withThisServerFirst(exchange)));
        } else {
            String name = path.substring(PATH.length() + 1);
            // A plain file name of Swagger UI's own files only: never a path out of its folder.
            if (!ASSET.matcher(name).matches() || !Files.isRegularFile(swaggerUi.resolve(name))) {
                send(exchange, 404, "text/plain; charset=utf-8", "not found\n".getBytes(StandardCharsets.UTF_8));
                return;
            }
            send(exchange, 200, TYPES.get(name.substring(name.lastIndexOf('.') + 1)), Files.readAllBytes(swaggerUi.resolve(name)));
        }
    }

    /**
     * openapi.yaml (read on every request, so an edit shows at once) with this local API as its first
     * server: under the host name the browser used, so the page's calls stay on its own origin.
     */
    private JsonNode withThisServerFirst(HttpExchange exchange) throws IOException {
        ObjectNode openapi = (ObjectNode) new YAMLMapper().readTree(document.toFile());
        String host = exchange.getRequestHeaders().getFirst("Host");
        String url = host != null && HOST.matcher(host).matches() ? "http://" + host : localUrl;
        ArrayNode servers = Json.MAPPER.createArrayNode();
        servers.addObject().put("url", url).put("description", "This local run (./run-local.sh): Try it out calls it");
        for (JsonNode server : openapi.path("servers")) {
            if (!url.equals(server.path("url").asText())) {
                servers.add(server);
            }
        }
        openapi.set("servers", servers);
        return openapi;
    }

    private static void send(HttpExchange exchange, int status, String contentType, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        boolean head = "HEAD".equals(exchange.getRequestMethod());
        exchange.sendResponseHeaders(status, head ? -1 : body.length);
        if (!head) {
            exchange.getResponseBody().write(body);
        }
    }
}
