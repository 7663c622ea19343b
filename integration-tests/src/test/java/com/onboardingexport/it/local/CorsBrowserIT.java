package com.onboardingexport.it.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import com.fasterxml.jackson.databind.JsonNode;
import com.onboardingexport.local.run.LocalRun;
import com.onboardingexport.local.template.ProjectRoot;
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
 * function's answers, the gateway's own refusals, the download links of the bucket), then in a real
 * browser. Headless Chromium loads a page from one origin (a small HTTP server on its own port) whose
 * script calls the local API on another origin with a real Strapi JWT, or fetches a download link,
 * and posts what it could read back to the page's server.
 * The local run allows http://localhost and http://127.0.0.1 on any port; the page's other origin,
 * http://elsewhere.test, is the same server reached under a name Chromium maps to 127.0.0.1.
 */
class CorsBrowserIT {
    static final String CHROMIUM = "/usr/bin/chromium";
    static final String INSTALL = "command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium)";
    private static final String ALLOWED = "http://127.0.0.1";
    private static final String ELSEWHERE = "http://elsewhere.test";
    private static final String JSON_EXPORT = "{\"date_range\":\"all_time\",\"file_format\":\"json\"}";
    /** A CSV whose header line is known: the six leading columns, then the one field asked for. */
    private static final String CSV_EXPORT = "{\"date_range\":\"all_time\",\"file_format\":\"csv\",\"fields\":[\"progress\"]}";
    private static final String CSV_HEADER = "response_id,submitted_at,campaign_id,campaign_name,client_id,client_name,progress";

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
                    .header("Access-Control-Request-Headers", "authorization,content-type,idempotency-key").build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(204, answer.statusCode(), route + ": " + answer.body());
            assertEquals("http://localhost:5173", header(answer, "Access-Control-Allow-Origin"));
            assertEquals("GET, POST, OPTIONS", header(answer, "Access-Control-Allow-Methods"));
            assertEquals("Authorization, Content-Type, Idempotency-Key", header(answer, "Access-Control-Allow-Headers"));
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

    @Test
    @DisplayName("Download link over HTTP: a GET from an allowed origin names it and exposes length, type, disposition and ETag; another origin gets the bytes but no CORS header")
    void downloadLinkAnswers() throws Exception {
        JsonNode export = export(CSV_EXPORT);
        URI link = URI.create(export.path("download_url").asText());
        HttpResponse<byte[]> allowed = HTTP.send(HttpRequest.newBuilder(link).header("Origin", "http://localhost:5173").GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, allowed.statusCode());
        assertEquals(export.path("size_bytes").asLong(), allowed.body().length);
        assertEquals("http://localhost:5173", header(allowed, "Access-Control-Allow-Origin"));
        assertEquals("Content-Length, Content-Type, Content-Disposition, ETag", header(allowed, "Access-Control-Expose-Headers"));
        assertNull(header(allowed, "Access-Control-Allow-Credentials"));

        // The signature decides who gets the file; CORS only decides which pages may read it.
        HttpResponse<byte[]> other = HTTP.send(HttpRequest.newBuilder(link).header("Origin", "https://evil.example").GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, other.statusCode());
        assertNull(header(other, "Access-Control-Allow-Origin"));
        assertNull(header(other, "Access-Control-Expose-Headers"));
    }

    @Test
    @DisplayName("Download link preflight (unsigned): GET or HEAD from an allowed origin passes; PUT, DELETE or another origin gets no CORS header")
    void downloadLinkPreflight() throws Exception {
        URI link = URI.create(export(CSV_EXPORT).path("download_url").asText());
        for (String method : List.of("GET", "HEAD")) {
            HttpResponse<String> allowed = preflight(link, "http://127.0.0.1:5173", method);
            assertEquals(200, allowed.statusCode(), method + ": " + allowed.body());
            assertEquals("http://127.0.0.1:5173", header(allowed, "Access-Control-Allow-Origin"));
            assertEquals("GET, HEAD", header(allowed, "Access-Control-Allow-Methods"));
        }
        for (HttpResponse<String> refused : List.of(preflight(link, "http://127.0.0.1:5173", "PUT"),
                preflight(link, "http://localhost:5173", "DELETE"), preflight(link, "https://evil.example", "GET"))) {
            assertEquals(4, refused.statusCode() / 100, refused.request() + ": " + refused.statusCode());
            assertNull(header(refused, "Access-Control-Allow-Origin"), refused.request().headers().toString());
        }
    }

    // ------------------------------------------------------------------ in Chromium

    @Test
    @DisplayName("Chromium, page on an allowed origin: the export answer is readable, 200 with its JSON, and so is its status route")
    void browserAllowedOrigin(@TempDir Path profile) throws Exception {
        JsonNode seen = inChromium(ALLOWED, id -> script(id, exports.toString(), "Bearer " + adminJwt, JSON_EXPORT, false), profile);
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
        JsonNode seen = inChromium(ELSEWHERE, id -> script(id, exports.toString(), "Bearer " + adminJwt, JSON_EXPORT, false), profile);
        assertTrue(seen.path("error").asText().startsWith("TypeError"), seen.toString());
        assertTrue(seen.path("status").isMissingNode(), seen.toString());
        assertTrue(seen.path("body").isMissingNode(), seen.toString());
    }

    @Test
    @DisplayName("Chromium, page on an allowed origin with a refused token: the gateway's 401 and its JSON body are readable")
    void browserRefusedToken(@TempDir Path profile) throws Exception {
        JsonNode seen = inChromium(ALLOWED, id -> script(id, exports.toString(), "Bearer " + forgedToken(), JSON_EXPORT, false), profile);
        assertEquals("", seen.path("error").asText(), seen.toString());
        assertEquals(401, seen.path("status").asInt(), seen.toString());
        JsonNode error = Json.MAPPER.readTree(seen.path("body").asText()).path("error");
        assertEquals(401, error.path("status").asInt());
        assertEquals("UNAUTHORIZED", error.path("code").asText());
    }

    @Test
    @DisplayName("Chromium, page on an allowed origin: fetches the CSV from its download_url, every byte, the header line, the exposed headers")
    void browserFetchesDownload(@TempDir Path profile) throws Exception {
        JsonNode seen = inChromium(ALLOWED, id -> script(id, exports.toString(), "Bearer " + adminJwt, CSV_EXPORT, true), profile);
        assertEquals("", seen.path("error").asText(), seen.toString());
        assertEquals(200, seen.path("status").asInt(), seen.toString());
        JsonNode export = Json.MAPPER.readTree(seen.path("body").asText());
        JsonNode file = seen.path("file");
        assertEquals("", file.path("error").asText(), seen.toString());
        assertEquals(200, file.path("status").asInt(), seen.toString());
        assertTrue(export.path("size_bytes").asLong() > CSV_HEADER.length(), export.toString());
        assertEquals(export.path("size_bytes").asLong(), file.path("bytes").asLong(), seen.toString());
        assertEquals(CSV_HEADER, file.path("first_line").asText());
        assertEquals(export.path("size_bytes").asText(), file.path("Content-Length").asText());
        assertEquals("text/csv; charset=utf-8", file.path("Content-Type").asText());
        assertEquals("attachment; filename=\"" + export.path("filename").asText() + "\"", file.path("Content-Disposition").asText());
        assertTrue(file.path("ETag").asText().matches("\"[0-9a-f]{32}(-[0-9]+)?\""), "ETag is exposed to the script: " + file);
    }

    @Test
    @DisplayName("Chromium, page on an origin that is not allowed, given a valid download link: fetch fails with a TypeError, nothing is readable")
    void browserOtherOriginDownload(@TempDir Path profile) throws Exception {
        JsonNode export = export(CSV_EXPORT);
        String link = export.path("download_url").asText();
        JsonNode seen = inChromium(ELSEWHERE, id -> linkScript(id, link), profile);
        JsonNode file = seen.path("file");
        assertTrue(file.path("error").asText().startsWith("TypeError"), seen.toString());
        assertTrue(file.path("status").isMissingNode(), seen.toString());
        assertTrue(file.path("bytes").isMissingNode(), seen.toString());
        // The link itself works: only the browser's CORS check kept the page from reading it.
        HttpResponse<byte[]> direct = HTTP.send(HttpRequest.newBuilder(URI.create(link)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, direct.statusCode());
        assertEquals(export.path("size_bytes").asLong(), direct.body().length);
    }

    /**
     * Opens a page of {@code pageOrigin} (on the page server's port) in headless Chromium running the
     * script made for the page's id, which reports what it saw back to the page's server.
     */
    private static JsonNode inChromium(String pageOrigin, PageScript script, Path profile) throws Exception {
        if (!Files.isExecutable(Path.of(CHROMIUM))) {
            throw new AssertionError("Chromium is not installed (" + CHROMIUM + "); install it with: " + INSTALL);
        }
        String id = Long.toHexString(System.nanoTime());
        CompletableFuture<JsonNode> report = new CompletableFuture<>();
        seen.put(id, report);
        scripts.put(id, script.forPage(id));
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

    @FunctionalInterface
    private interface PageScript {
        String forPage(String id) throws IOException;
    }

    /**
     * The page's script: the cross-origin export (and its status route), with {@code fetchFile} then
     * the file from its download_url, then what it saw, to its own origin.
     */
    private static String script(String id, String api, String authorization, String request, boolean fetchFile) throws IOException {
        return "const API = " + Json.MAPPER.writeValueAsString(api) + ", AUTHORIZATION = " + Json.MAPPER.writeValueAsString(authorization)
                + ", REQUEST = " + Json.MAPPER.writeValueAsString(request) + ", FETCH_FILE = " + fetchFile
                + ", ID = " + Json.MAPPER.writeValueAsString(id) + ";\n" + FILE_READER + """
                (async () => {
                  const seen = {};
                  try {
                    const answer = await fetch(API, {method: 'POST', body: REQUEST,
                        headers: {'Authorization': AUTHORIZATION, 'Content-Type': 'application/json'}});
                    seen.status = answer.status;
                    seen.content_type = answer.headers.get('Content-Type');
                    seen.request_id = answer.headers.get('X-Request-Id');
                    seen.body = await answer.text();
                    if (answer.status === 200) {
                      const status = await fetch(API + '/' + JSON.parse(seen.body).export_id, {headers: {'Authorization': AUTHORIZATION}});
                      seen.status_get = status.status;
                      seen.status_body = await status.text();
                      if (FETCH_FILE) {
                        seen.file = await readFile(JSON.parse(seen.body).download_url);
                      }
                    }
                  } catch (e) {
                    seen.error = e.name + ': ' + e.message;
                  }
                  await fetch('/seen/' + ID, {method: 'POST', body: JSON.stringify(seen)});
                })();
                """;
    }

    /** A page's script that only fetches a download link it was given, then reports what it saw. */
    private static String linkScript(String id, String downloadUrl) throws IOException {
        return "const ID = " + Json.MAPPER.writeValueAsString(id) + ", LINK = " + Json.MAPPER.writeValueAsString(downloadUrl) + ";\n"
                + FILE_READER + """
                (async () => {
                  const seen = {file: await readFile(LINK)};
                  await fetch('/seen/' + ID, {method: 'POST', body: JSON.stringify(seen)});
                })();
                """;
    }

    /** What a front end reads of a download: its status, headers, size and first line, or why fetch failed. */
    private static final String FILE_READER = """
            async function readFile(url) {
              const file = {};
              try {
                const answer = await fetch(url);
                file.status = answer.status;
                for (const name of ['Content-Length', 'Content-Type', 'Content-Disposition', 'ETag']) {
                  file[name] = answer.headers.get(name);
                }
                const bytes = new Uint8Array(await answer.arrayBuffer());
                file.bytes = bytes.length;
                file.first_line = new TextDecoder().decode(bytes).split(/\\r?\\n/)[0];
              } catch (e) {
                file.error = e.name + ': ' + e.message;
              }
              return file;
            }
            """;

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

    /** An export made over plain HTTP, as any caller with a token makes it: the 200 answer. */
    private static JsonNode export(String request) throws IOException, InterruptedException {
        HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(exports).header("Authorization", "Bearer " + adminJwt)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(request)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, answer.statusCode(), answer.body());
        return Json.MAPPER.readTree(answer.body());
    }

    /** What a browser sends before a non-simple request: no signature check applies to it. */
    private static HttpResponse<String> preflight(URI link, String origin, String method) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(link).method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", origin).header("Access-Control-Request-Method", method).build(), HttpResponse.BodyHandlers.ofString());
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
