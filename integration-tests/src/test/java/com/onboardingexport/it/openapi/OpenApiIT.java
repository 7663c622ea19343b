package com.onboardingexport.it.openapi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.JsonMetaSchema;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.NonValidationKeyword;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import com.onboardingexport.local.faults.StrapiFaultProxy;
import com.onboardingexport.local.gateway.LocalApi;
import com.onboardingexport.local.run.LocalRun;
import com.onboardingexport.local.services.LocalMoto;
import com.onboardingexport.local.template.ProjectRoot;
import com.onboardingexport.shared.Json;
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
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * openapi.yaml against itself and against the real answers. The document must pass
 * openapi-spec-validator; then the local run (real Strapi, S3Proxy, moto, the template's functions
 * in their own JVMs) is called over HTTP, and each answer must have a status the document declares
 * for that route, its media type, and a body its schema accepts. Answer schemas are closed
 * ({@code additionalProperties} / {@code unevaluatedProperties: false}), so a field the code
 * adds without the document fails here.
 */
class OpenApiIT {
    private static final Path ROOT = ProjectRoot.find();
    private static final Path DOCUMENT = ROOT.resolve("openapi.yaml");
    private static final String EXPORTS = "/exports/onboarding";
    private static final String STATUS = "/exports/onboarding/{export_id}";
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    /**
     * JSON Schema 2020-12 (OpenAPI 3.1's schemas are 2020-12); the document's own top-level keys are
     * no schema keywords, only the place where {@code #/components/...} references are resolved.
     */
    private static final JsonSchemaFactory SCHEMAS = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012,
            builder -> builder.metaSchema(JsonMetaSchema.builder(JsonMetaSchema.getV202012())
                    .keywords(Stream.of("openapi", "info", "servers", "security", "paths", "components")
                            .map(NonValidationKeyword::new).toList())
                    .build()));
    private static final Map<String, JsonSchema> COMPILED = new ConcurrentHashMap<>();

    private static JsonNode openapi;
    private static LocalRun run;
    /** The functions reach Strapi through this proxy, so a test can hold the worker's reads (a status that is running). */
    private static StrapiFaultProxy strapi;
    private static LocalApi api;
    private static String adminJwt;
    private static String clientBJwt;

    @BeforeAll
    static void start() throws Exception {
        openapi = new YAMLMapper().readTree(DOCUMENT.toFile());
        run = LocalRun.start(ROOT.resolve("template.yaml"), 0, 0, System.out::println);
        strapi = StrapiFaultProxy.start(run.strapi().url());
        api = LocalApi.start(run.apiConfig(ROOT.resolve("template.yaml"), 0, System.out::println,
                Map.of("STRAPI_URL", strapi.url().toString())));
        adminJwt = run.login(LocalRun.ADMIN);
        clientBJwt = run.login("client-b@onboarding.test");
    }

    @AfterAll
    static void stop() {
        if (api != null) {
            api.close();
        }
        if (strapi != null) {
            strapi.close();
        }
        if (run != null) {
            run.close();
        }
    }

    @AfterEach
    void healStrapi() {
        strapi.reset();
    }

    // ------------------------------------------------------------------ the document

    @Test
    @DisplayName("openapi-spec-validator accepts openapi.yaml")
    void documentIsValid() throws Exception {
        String validator = LocalMoto.findOnPath("openapi-spec-validator").orElseThrow(() ->
                new AssertionError("openapi-spec-validator is not installed: pip install openapi-spec-validator"));
        Process process = new ProcessBuilder(validator, DOCUMENT.toString()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), "openapi-spec-validator did not finish");
        assertFalse(output.contains("No module named") || output.contains("command not found"),
                "openapi-spec-validator is not installed for this Python: pip install openapi-spec-validator\n" + output);
        assertEquals(0, process.exitValue(), "openapi-spec-validator openapi.yaml:\n" + output);
        assertTrue(output.contains("OK"), output);
    }

    @Test
    @DisplayName("The schemas are closed: a real 200 body with one field more fails, so these checks catch undocumented fields")
    void undocumentedFieldFails() throws Exception {
        HttpResponse<String> answer = post(adminJwt, "{\"date_range\":\"all_time\"}");
        assertConforms(EXPORTS, "post", answer);
        ObjectNode body = (ObjectNode) Json.MAPPER.readTree(answer.body());
        body.put("undocumented", 1);
        assertFalse(problems(EXPORTS, "post", 200, body).isEmpty(), "an undocumented field passed the 200 schema");
        assertFalse(problems(EXPORTS, "post", 200, Json.MAPPER.readTree("{\"export_id\":\"x\"}")).isEmpty(),
                "a 200 body without its required fields passed");
    }

    @Test
    @DisplayName("The local run serves the document at GET /openapi.yaml, without a token, as application/yaml")
    void localRunServesIt() throws Exception {
        HttpResponse<byte[]> answer = HTTP.send(HttpRequest.newBuilder(api.url().resolve("/openapi.yaml")).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, answer.statusCode());
        assertEquals("application/yaml", answer.headers().firstValue("Content-Type").orElse(null));
        assertArrayEquals(Files.readAllBytes(DOCUMENT), answer.body());
        // Only that path: the rest of the API still answers as API Gateway would.
        HttpResponse<String> other = HTTP.send(HttpRequest.newBuilder(api.url().resolve("/openapi.yaml/x")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(404, other.statusCode(), other.body());
        assertEquals("NOT_FOUND", Json.MAPPER.readTree(other.body()).path("error").path("code").asText(), other.body());
    }

    // ------------------------------------------------------------------ real answers against it

    @Test
    @DisplayName("200: a synchronous CSV export and a JSON export match ExportResult")
    void syncExports() throws Exception {
        HttpResponse<String> csv = post(adminJwt, "{\"date_range\":\"all_time\",\"file_format\":\"csv\",\"mode\":\"sync\"}");
        assertEquals(200, csv.statusCode(), csv.body());
        assertConforms(EXPORTS, "post", csv);
        assertEquals("csv", Json.MAPPER.readTree(csv.body()).path("file_format").asText());

        HttpResponse<String> json = post(clientBJwt, "{\"date_range\":\"all_time\",\"file_format\":\"json\"}");
        assertEquals(200, json.statusCode(), json.body());
        assertConforms(EXPORTS, "post", json);
        assertEquals("json", Json.MAPPER.readTree(json.body()).path("file_format").asText());

        // The status route re-signs a synchronous export: the succeeded status.
        String exportId = Json.MAPPER.readTree(json.body()).path("export_id").asText();
        HttpResponse<String> status = get(clientBJwt, exportId);
        assertEquals(200, status.statusCode(), status.body());
        assertConforms(STATUS, "get", status);
        assertEquals("succeeded", Json.MAPPER.readTree(status.body()).path("status").asText());
    }

    @Test
    @DisplayName("200: XLSX, gzip, Excel-friendly CSV and chosen fields (with fields_not_found) match ExportResult")
    void fileOptions() throws Exception {
        for (String body : List.of(
                "{\"date_range\":\"all_time\",\"file_format\":\"xlsx\",\"mode\":\"sync\"}",
                "{\"date_range\":\"all_time\",\"file_format\":\"json\",\"compression\":\"gzip\",\"mode\":\"sync\"}",
                "{\"date_range\":\"all_time\",\"csv\":{\"bom\":true,\"delimiter\":\";\"},\"mode\":\"sync\"}",
                "{\"date_range\":\"all_time\",\"fields\":[\"progress\",\"answers.nothing_here\"],\"mode\":\"sync\"}")) {
            HttpResponse<String> answer = post(adminJwt, body);
            assertEquals(200, answer.statusCode(), body + " -> " + answer.body());
            assertConforms(EXPORTS, "post", answer);
        }
        JsonNode chosen = Json.MAPPER.readTree(post(adminJwt,
                "{\"date_range\":\"all_time\",\"fields\":[\"answers.nothing_here\"],\"mode\":\"sync\"}").body());
        assertEquals("[\"answers.nothing_here\"]", chosen.path("fields_not_found").toString());
    }

    @Test
    @DisplayName("OPTIONS: the preflight of both routes is declared, 204 for an allowed origin and a 403 body for another")
    void preflight() throws Exception {
        for (String path : List.of(EXPORTS, STATUS)) {
            String concrete = path.replace("{export_id}", "00000000-0000-0000-0000-000000000000");
            HttpResponse<String> allowed = HTTP.send(HttpRequest.newBuilder(api.url().resolve(concrete))
                    .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).header("Origin", "http://localhost:5173")
                    .header("Access-Control-Request-Method", "POST").build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(204, allowed.statusCode(), allowed.body());
            JsonNode declared = openapi.at(responsePointer(path, "options", 204).substring(1));
            declared.path("headers").fieldNames().forEachRemaining(header ->
                    assertTrue(allowed.headers().firstValue(header).isPresent(), path + ": the 204 lacks " + header));
            HttpResponse<String> refused = HTTP.send(HttpRequest.newBuilder(api.url().resolve(concrete))
                    .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).header("Origin", "https://elsewhere.example")
                    .header("Access-Control-Request-Method", "POST").build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(403, refused.statusCode(), refused.body());
            assertConforms(path, "options", refused);
        }
    }

    @Test
    @DisplayName("202 and the status answers: running while the worker waits on Strapi, then succeeded")
    void asyncExportAndItsStatuses() throws Exception {
        // The API function reads the first page once (the count); every later read of the responses is the worker's.
        AtomicInteger responseReads = new AtomicInteger();
        CountDownLatch release = new CountDownLatch(1);
        strapi.plan((n, path) -> {
            if (path.contains("campaign-onboarding-responses") && responseReads.incrementAndGet() > 1) {
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return null;
        });
        String exportId;
        try {
            HttpResponse<String> started = post(adminJwt, "{\"date_range\":\"all_time\",\"file_format\":\"json\",\"mode\":\"async\"}");
            assertEquals(202, started.statusCode(), started.body());
            assertConforms(EXPORTS, "post", started);
            exportId = Json.MAPPER.readTree(started.body()).path("export_id").asText();

            HttpResponse<String> running = get(adminJwt, exportId);
            assertEquals(200, running.statusCode(), running.body());
            assertEquals("running", Json.MAPPER.readTree(running.body()).path("status").asText(), running.body());
            assertConforms(STATUS, "get", running);
        } finally {
            release.countDown();
        }
        HttpResponse<String> finished = awaitFinished(exportId);
        assertEquals("succeeded", Json.MAPPER.readTree(finished.body()).path("status").asText(), finished.body());
        assertConforms(STATUS, "get", finished);
    }

    @Test
    @DisplayName("The failed status: a background export whose worker gets a 500 from Strapi ends failed with UPSTREAM_ERROR")
    void failedStatus() throws Exception {
        AtomicInteger responseReads = new AtomicInteger();
        strapi.plan((n, path) -> path.contains("campaign-onboarding-responses") && responseReads.incrementAndGet() > 1
                ? StrapiFaultProxy.Fault.status(500) : null);
        HttpResponse<String> started = post(adminJwt, "{\"date_range\":\"all_time\",\"mode\":\"async\"}");
        assertEquals(202, started.statusCode(), started.body());
        HttpResponse<String> failed = awaitFinished(Json.MAPPER.readTree(started.body()).path("export_id").asText());
        JsonNode body = Json.MAPPER.readTree(failed.body());
        assertEquals("failed", body.path("status").asText(), failed.body());
        assertEquals("UPSTREAM_ERROR", body.path("error").path("code").asText(), failed.body());
        assertConforms(STATUS, "get", failed);
    }

    @Test
    @DisplayName("400 INVALID_REQUEST: an unknown file format")
    void badRequest() throws Exception {
        HttpResponse<String> answer = post(adminJwt, "{\"file_format\":\"pdf\"}");
        assertEquals(400, answer.statusCode(), answer.body());
        assertConforms(EXPORTS, "post", answer);
    }

    @Test
    @DisplayName("401 UNAUTHORIZED: a token signed with another secret (the authorizer refuses it), and no token at all")
    void refusedToken() throws Exception {
        String forged = com.auth0.jwt.JWT.create().withClaim("id", 1).withIssuedAt(Instant.now())
                .withExpiresAt(Instant.now().plusSeconds(600))
                .sign(com.auth0.jwt.algorithms.Algorithm.HMAC256("not-the-secret-of-this-strapi-at-all"));
        HttpResponse<String> answer = post(forged, "{}");
        assertEquals(401, answer.statusCode(), answer.body());
        assertConforms(EXPORTS, "post", answer);

        HttpResponse<String> none = HTTP.send(HttpRequest.newBuilder(api.url().resolve("/exports/onboarding/" + UUID.randomUUID()))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(401, none.statusCode(), none.body());
        assertConforms(STATUS, "get", none);
    }

    @Test
    @DisplayName("403 FORBIDDEN: a role that may not export (gateway), and a client asking for another client's campaign (function)")
    void forbidden() throws Exception {
        HttpResponse<String> denied = post(run.login("other@onboarding.test"), "{}");
        assertEquals(403, denied.statusCode(), denied.body());
        assertConforms(EXPORTS, "post", denied);

        JsonNode campaigns = run.strapi().get("/api/campaigns?filters[client][name][$eq]=Acme%20Corp&pagination[pageSize]=1");
        String clientACampaign = campaigns.path("data").path(0).path("documentId").asText();
        assertNotEquals("", clientACampaign, campaigns.toString());
        HttpResponse<String> foreign = post(clientBJwt, "{\"campaign_ids\":[\"" + clientACampaign + "\"],\"date_range\":\"all_time\"}");
        assertEquals(403, foreign.statusCode(), foreign.body());
        assertConforms(EXPORTS, "post", foreign);
    }

    @Test
    @DisplayName("404 NO_DATA: nothing in the date range; 404 NOT_FOUND: an unknown export id")
    void notFound() throws Exception {
        HttpResponse<String> noData = post(adminJwt, "{\"date_range\":\"2001-01-01/2001-01-31\"}");
        assertEquals(404, noData.statusCode(), noData.body());
        assertEquals("NO_DATA", Json.MAPPER.readTree(noData.body()).path("error").path("code").asText());
        assertConforms(EXPORTS, "post", noData);

        HttpResponse<String> unknown = get(adminJwt, UUID.randomUUID().toString());
        assertEquals(404, unknown.statusCode(), unknown.body());
        assertEquals("NOT_FOUND", Json.MAPPER.readTree(unknown.body()).path("error").path("code").asText());
        assertConforms(STATUS, "get", unknown);
    }

    // ------------------------------------------------------------------ helpers

    /** The answer's status is declared for the route, with the answer's media type, and its body matches the schema. */
    private static void assertConforms(String path, String method, HttpResponse<String> answer) throws Exception {
        String pointer = responsePointer(path, method, answer.statusCode());
        JsonNode response = openapi.at(pointer.substring(1));
        String mediaType = response.path("content").fieldNames().next();
        String contentType = answer.headers().firstValue("Content-Type").orElse("");
        assertTrue(contentType.startsWith(mediaType), method + " " + path + " " + answer.statusCode()
                + ": Content-Type " + contentType + ", the document says " + mediaType);
        List<String> problems = problems(path, method, answer.statusCode(), Json.MAPPER.readTree(answer.body()));
        assertEquals(List.of(), problems, method + " " + path + " " + answer.statusCode() + " " + answer.body());
    }

    /** What the schema the document declares for this answer finds wrong with a body (empty: it conforms). */
    private static List<String> problems(String path, String method, int status, JsonNode body) {
        String schemaPointer = responsePointer(path, method, status) + "/content/application~1json/schema";
        JsonSchema schema = COMPILED.computeIfAbsent(schemaPointer, pointer -> {
            // The whole document as the schema resource, so every #/components/... reference resolves in it.
            ObjectNode root = openapi.deepCopy();
            root.put("$schema", "https://json-schema.org/draft/2020-12/schema");
            root.put("$ref", pointer);
            return SCHEMAS.getSchema(root);
        });
        return schema.validate(body).stream().map(ValidationMessage::getMessage).sorted().toList();
    }

    /** The JSON pointer (#/...) of the response the document declares for this route and status, its $ref followed. */
    private static String responsePointer(String path, String method, int status) {
        String pointer = "#/paths/" + path.replace("~", "~0").replace("/", "~1") + "/" + method + "/responses/" + status;
        JsonNode response = openapi.at(pointer.substring(1));
        assertFalse(response.isMissingNode(), "openapi.yaml declares no " + status + " for " + method.toUpperCase() + " " + path);
        while (response.has("$ref")) {
            pointer = response.get("$ref").asText();
            response = openapi.at(pointer.substring(1));
            assertFalse(response.isMissingNode(), "openapi.yaml: " + pointer + " does not exist");
        }
        return pointer;
    }

    private static HttpResponse<String> post(String jwt, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(api.url().resolve(EXPORTS))
                .header("Authorization", "Bearer " + jwt)
                .header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> get(String jwt, String exportId) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(api.url().resolve(EXPORTS + "/" + exportId))
                .header("Authorization", "Bearer " + jwt)
                .timeout(Duration.ofSeconds(60)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> awaitFinished(String exportId) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        HttpResponse<String> answer = get(adminJwt, exportId);
        while (System.nanoTime() < deadline && "running".equals(Json.MAPPER.readTree(answer.body()).path("status").asText())) {
            Thread.sleep(250);
            answer = get(adminJwt, exportId);
        }
        assertEquals(200, answer.statusCode(), answer.body());
        return answer;
    }
}
