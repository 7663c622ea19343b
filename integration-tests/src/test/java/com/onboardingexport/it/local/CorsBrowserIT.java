package com.onboardingexport.it.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import com.fasterxml.jackson.databind.JsonNode;
import com.onboardingexport.local.LocalRun;
import com.onboardingexport.local.ProjectRoot;
import com.onboardingexport.shared.Json;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CORS on the local run, as the template declares it: first over plain HTTP (preflights, the
 * function's answers, the gateway's own refusals), then in a real browser. Headless Chromium loads
 * a page from one origin (a small HTTP server on its own port) whose script calls the local API on
 * another origin with a real Strapi JWT and posts what it could read back to the page's server.
 * The local run allows http://localhost and http://127.0.0.1 on any port; the page's other origin,
 * http://elsewhere.test, is the same server reached under a name Chromium maps to 127.0.0.1.
 */
class CorsBrowserIT {
    static final String CHROMIUM = "/usr/bin/chromium";
    static final String INSTALL = "command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium)";
    private static final String ALLOWED = "http://127.0.0.1";
    private static final String ELSEWHERE = "http://elsewhere.test";

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static LocalRun run;
    private static URI exports;
    private static String adminJwt;
    private static HttpServer pages;
    /** What each page's script saw, by page id. */
    private static final Map<String, CompletableFuture<JsonNode>> seen = new ConcurrentHashMap<>();
    private static final Map<String, String> scripts = new ConcurrentHashMap<>();

    @BeforeAll
    static void start() throws Exception {
        run = LocalRun.start(ProjectRoot.find().resolve("template.yaml"), 0, 0, System.out::println);
        exports = run.api().url().resolve("/exports/onboarding");
        adminJwt = run.login(LocalRun.ADMIN);
        pages = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        pages.createContext("/page/", CorsBrowserIT::servePage);
        pages.createContext("/seen/", CorsBrowserIT::receiveSeen);
        pages.start();
    }

    @AfterAll
    static void stop() {
        if (pages != null) {
            pages.stop(0);
        }
        if (run != null) {
            run.close();
        }
    }

    // ------------------------------------------------------------------ over HTTP

    @Test
    @DisplayName("Preflight from an allowed origin: 204 with origin, methods, headers and max-age, without a token or the authorizer")
    void preflightAllowed() throws Exception {
        int authorizerCalls = run.api().invocations("AuthorizerFunction");
        for (URI route : List.of(exports, exports.resolve("/exports/onboarding/some-export-id"))) {
            HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(route)
                    .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                    .header("Origin", "http://localhost:5173")
                    .header("Access-Control-Request-Method", "POST")
                    .header("Access-Control-Request-Headers", "authorization,content-type").build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(204, answer.statusCode(), route + ": " + answer.body());
            assertEquals("http://localhost:5173", header(answer, "Access-Control-Allow-Origin"));
            assertEquals("GET, POST, OPTIONS", header(answer, "Access-Control-Allow-Methods"));
            assertEquals("Authorization, Content-Type", header(answer, "Access-Control-Allow-Headers"));
            assertEquals("600", header(answer, "Access-Control-Max-Age"));
            assertEquals("Origin", header(answer, "Vary"));
            assertNull(header(answer, "Access-Control-Allow-Credentials"));
        }
        assertEquals(authorizerCalls, run.api().invocations("AuthorizerFunction"), "a preflight never reaches the authorizer");
    }

    @Test
    @DisplayName("Preflight from another origin: 403 FORBIDDEN JSON and no CORS header, so the browser blocks the call")
    void preflightRefused() throws Exception {
        HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(exports)
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", "https://evil.example")
                .header("Access-Control-Request-Method", "POST").build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(403, answer.statusCode());
        JsonNode error = Json.MAPPER.readTree(answer.body()).path("error");
        assertEquals("FORBIDDEN", error.path("code").asText());
        assertEquals("This origin may not call the API from a browser", error.path("message").asText());
        assertNull(header(answer, "Access-Control-Allow-Origin"));
        assertNull(header(answer, "Access-Control-Allow-Methods"));
    }

    @Test
    @DisplayName("The export's 200 names an allowed origin (and exposes X-Request-Id); for another origin it names none")
    void functionAnswers() throws Exception {
        HttpResponse<String> allowed = post("http://127.0.0.1:8080", "Bearer " + adminJwt);
        assertEquals(200, allowed.statusCode(), allowed.body());
        assertEquals("http://127.0.0.1:8080", header(allowed, "Access-Control-Allow-Origin"));
        assertEquals("Retry-After, X-Request-Id", header(allowed, "Access-Control-Expose-Headers"));
        assertEquals("Origin", header(allowed, "Vary"));

        HttpResponse<String> other = post("https://evil.example", "Bearer " + adminJwt);
        assertEquals(200, other.statusCode(), other.body());
        assertNull(header(other, "Access-Control-Allow-Origin"));
        assertEquals("Origin", header(other, "Vary"));
    }

    @Test
    @DisplayName("The gateway's own refusals (no token, forged token, unknown route) echo the Origin, so a front end can read why")
    void gatewayAnswers() throws Exception {
        String origin = "http://localhost:3001";
        HttpResponse<String> noToken = HTTP.send(HttpRequest.newBuilder(exports).header("Origin", origin)
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> forged = post(origin, "Bearer " + forgedToken());
        HttpResponse<String> unknown = HTTP.send(HttpRequest.newBuilder(run.api().url().resolve("/nowhere")).header("Origin", origin)
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(List.of(401, 401, 404), List.of(noToken.statusCode(), forged.statusCode(), unknown.statusCode()));
        for (HttpResponse<String> response : List.of(noToken, forged, unknown)) {
            assertEquals(origin, header(response, "Access-Control-Allow-Origin"), response.body());
            assertEquals("Origin", header(response, "Vary"));
        }
        assertEquals("UNAUTHORIZED", Json.MAPPER.readTree(forged.body()).path("error").path("code").asText());
        // Without an Origin, there is nothing to echo.
        HttpResponse<String> plain = HTTP.send(HttpRequest.newBuilder(exports).POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(401, plain.statusCode());
        assertNull(header(plain, "Access-Control-Allow-Origin"));
    }

    // ------------------------------------------------------------------ in Chromium

    @Test
    @DisplayName("Chromium, page on an allowed origin: the export answer is readable, 200 with its JSON, and so is its status route")
    void browserAllowedOrigin(@TempDir Path profile) throws Exception {
        JsonNode seen = inChromium(ALLOWED, "Bearer " + adminJwt, profile);
        assertEquals("", seen.path("error").asText(), seen.toString());
        assertEquals(200, seen.path("status").asInt(), seen.toString());
        JsonNode export = Json.MAPPER.readTree(seen.path("body").asText());
        assertTrue(export.path("download_url").asText().startsWith("http"), export.toString());
        assertTrue(export.path("record_count").asInt() > 0, export.toString());
        assertEquals("application/json", seen.path("content_type").asText());
        assertFalse(seen.path("request_id").asText().isEmpty(), "X-Request-Id is exposed to the script");
        assertEquals(200, seen.path("status_get").asInt(), seen.toString());
        assertEquals(export.path("export_id").asText(), Json.MAPPER.readTree(seen.path("status_body").asText()).path("export_id").asText());
    }

    @Test
    @DisplayName("Chromium, page on an origin that is not allowed: the same call fails with a TypeError, nothing of the answer is readable")
    void browserOtherOrigin(@TempDir Path profile) throws Exception {
        JsonNode seen = inChromium(ELSEWHERE, "Bearer " + adminJwt, profile);
        assertTrue(seen.path("error").asText().startsWith("TypeError"), seen.toString());
        assertTrue(seen.path("status").isMissingNode(), seen.toString());
        assertTrue(seen.path("body").isMissingNode(), seen.toString());
    }

    @Test
    @DisplayName("Chromium, page on an allowed origin with a refused token: the gateway's 401 and its JSON body are readable")
    void browserRefusedToken(@TempDir Path profile) throws Exception {
        JsonNode seen = inChromium(ALLOWED, "Bearer " + forgedToken(), profile);
        assertEquals("", seen.path("error").asText(), seen.toString());
        assertEquals(401, seen.path("status").asInt(), seen.toString());
        JsonNode error = Json.MAPPER.readTree(seen.path("body").asText()).path("error");
        assertEquals(401, error.path("status").asInt());
        assertEquals("UNAUTHORIZED", error.path("code").asText());
    }

    /**
     * Opens a page of {@code pageOrigin} (on the page server's port) in headless Chromium; its
     * script POSTs an export to the local API with this Authorization header and reports back.
     */
    private static JsonNode inChromium(String pageOrigin, String authorization, Path profile) throws Exception {
        if (!Files.isExecutable(Path.of(CHROMIUM))) {
            throw new AssertionError("Chromium is not installed (" + CHROMIUM + "); install it with: " + INSTALL);
        }
        String id = Long.toHexString(System.nanoTime());
        CompletableFuture<JsonNode> report = new CompletableFuture<>();
        seen.put(id, report);
        scripts.put(id, script(id, exports.toString(), authorization));
        String page = pageOrigin + ":" + pages.getAddress().getPort() + "/page/" + id;
        Process chromium = new ProcessBuilder(CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + profile, "--host-resolver-rules=MAP elsewhere.test 127.0.0.1", page)
                .redirectErrorStream(true).redirectOutput(profile.resolve("chromium.log").toFile()).start();
        try {
            return report.get(90, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("the page " + page + " reported nothing within 90 s; Chromium's log:\n"
                    + Files.readString(profile.resolve("chromium.log")), e);
        } finally {
            chromium.descendants().forEach(ProcessHandle::destroyForcibly);
            chromium.destroyForcibly();
            chromium.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** The page's script: the cross-origin export (and its status route), then what it saw, to its own origin. */
    private static String script(String id, String api, String authorization) throws IOException {
        return "const API = " + Json.MAPPER.writeValueAsString(api) + ", AUTHORIZATION = " + Json.MAPPER.writeValueAsString(authorization)
                + ", ID = " + Json.MAPPER.writeValueAsString(id) + ";\n" + """
                (async () => {
                  const seen = {};
                  try {
                    const answer = await fetch(API, {method: 'POST', body: JSON.stringify({date_range: 'all_time', file_format: 'json'}),
                        headers: {'Authorization': AUTHORIZATION, 'Content-Type': 'application/json'}});
                    seen.status = answer.status;
                    seen.content_type = answer.headers.get('Content-Type');
                    seen.request_id = answer.headers.get('X-Request-Id');
                    seen.body = await answer.text();
                    if (answer.status === 200) {
                      const status = await fetch(API + '/' + JSON.parse(seen.body).export_id, {headers: {'Authorization': AUTHORIZATION}});
                      seen.status_get = status.status;
                      seen.status_body = await status.text();
                    }
                  } catch (e) {
                    seen.error = e.name + ': ' + e.message;
                  }
                  await fetch('/seen/' + ID, {method: 'POST', body: JSON.stringify(seen)});
                })();
                """;
    }

    private static void servePage(HttpExchange exchange) throws IOException {
        try (exchange) {
            String script = scripts.get(exchange.getRequestURI().getPath().substring("/page/".length()));
            byte[] html = script == null ? new byte[0]
                    : ("<!doctype html><html><head><title>CORS</title></head><body><script>" + script + "</script></body></html>")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
            exchange.sendResponseHeaders(script == null ? 404 : 200, html.length == 0 ? -1 : html.length);
            exchange.getResponseBody().write(html);
        }
    }

    private static void receiveSeen(HttpExchange exchange) throws IOException {
        try (exchange) {
            CompletableFuture<JsonNode> report = seen.get(exchange.getRequestURI().getPath().substring("/seen/".length()));
            byte[] body = exchange.getRequestBody().readAllBytes();
            if (report != null) {
                report.complete(Json.MAPPER.readTree(body));
            }
            exchange.sendResponseHeaders(report == null ? 404 : 204, -1);
        }
    }

    private static HttpResponse<String> post(String origin, String authorization) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(exports).header("Origin", origin).header("Authorization", authorization)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"date_range\":\"all_time\",\"file_format\":\"json\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String header(HttpResponse<?> response, String name) {
        return response.headers().firstValue(name).orElse(null);
    }

    /** A JWT of the right shape signed with another secret: the authorizer refuses it. */
    private static String forgedToken() {
        return JWT.create().withClaim("id", 1).withIssuedAt(Instant.now())
                .withExpiresAt(Instant.now().plusSeconds(600)).sign(Algorithm.HMAC256("not-the-secret-of-this-strapi"));
    }
}
