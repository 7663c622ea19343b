package com.onboardingexport.it.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import com.fasterxml.jackson.databind.JsonNode;
import com.onboardingexport.local.gateway.LocalApi;
import com.onboardingexport.local.run.LocalRun;
import com.onboardingexport.local.template.ProjectRoot;
import com.onboardingexport.shared.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Docker-free local run, started as the README's command starts it ({@link LocalRun}: its own
 * dev Strapi, S3Proxy, the Secrets Manager stand-in, the local API serving template.yaml), on free
 * ports, called over real HTTP. Each function runs in JVMs of its own, instantiated from the
 * template's Handler string.
 */
class LocalRunIT {
    private static final Path TEMPLATE = ProjectRoot.find().resolve("template.yaml");
    private static final String EXPORT_HANDLER = "com.onboardingexport.export.api.ExportHandler::handleRequest";
    private static final String AUTHORIZER_HANDLER = "com.onboardingexport.authorizer.AuthorizerHandler::handleRequest";

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static LocalRun run;
    private static URI exports;
    /** One login per user: Strapi limits logins per identifier and address. */
    private static String adminJwt;
    private static String clientBJwt;

    @BeforeAll
    static void startLocalRun() throws Exception {
        run = LocalRun.start(TEMPLATE, 0, 0, System.out::println);
        exports = run.api().url().resolve("/exports/onboarding");
        adminJwt = run.login(LocalRun.ADMIN);
        clientBJwt = run.login("client-b@onboarding.test");
    }

    @AfterAll
    static void stop() {
        if (run != null) {
            run.close();
        }
    }

    @Test
    @DisplayName("The run command's first export works, and the curl it prints returns 200 with a link that downloads")
    void welcomeAndPrintedCurl() throws Exception {
        List<String> out = new ArrayList<>();
        assertEquals(0, run.welcome(out::add), String.join("\n", out));
        String printed = String.join("\n", out);

        Matcher curl = Pattern.compile("curl -s -X POST (\\S+) \\\\\\n  -H 'Authorization: Bearer ([^']+)' \\\\\\n"
                + "  -H 'Content-Type: application/json' -d '([^']+)'").matcher(printed);
        assertTrue(curl.find(), printed);
        assertEquals(exports.toString(), curl.group(1));
        HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(URI.create(curl.group(1)))
                .header("Authorization", "Bearer " + curl.group(2))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(curl.group(3))).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, answer.statusCode(), answer.body());
        assertDownloads(Json.MAPPER.readTree(answer.body()));

        Matcher firstLink = Pattern.compile("\\n  (http://127\\.0\\.0\\.1:\\d+/\\S+X-Amz-Signature=\\S+)").matcher(printed);
        assertTrue(firstLink.find(), printed);
        assertEquals(200, HTTP.send(HttpRequest.newBuilder(URI.create(firstLink.group(1))).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode());
    }

    @Test
    @DisplayName("The printed AWS CLI command fires the template's schedule in its function now; its export's event lands on the printed queue")
    void fireScheduleWithTheAwsCli() throws Exception {
        List<String> out = new ArrayList<>();
        assertEquals(0, run.welcome(out::add), String.join("\n", out));
        String printed = String.join("\n", out);
        Matcher command = Pattern.compile("\n  (AWS_ACCESS_KEY_ID=\\S+ AWS_SECRET_ACCESS_KEY=\\S+ AWS_DEFAULT_REGION=\\S+ aws lambda invoke [^\n]+)").matcher(printed);
        assertTrue(command.find(), printed);
        String aws = com.onboardingexport.local.services.LocalMoto.findOnPath("aws").orElseThrow(() ->
                new AssertionError("the AWS CLI is not installed: pip install awscli"));
        Process cli = new ProcessBuilder("bash", "-c", command.group(1).replace(" aws ", " " + aws + " ")).redirectErrorStream(true).start();
        String answer = new String(cli.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, cli.waitFor(), answer);
        Matcher exportId = Pattern.compile("\"export_id\"\\s*:\\s*\"([0-9a-f-]{36})\"").matcher(answer);
        assertTrue(exportId.find(), answer);
        assertFalse(answer.contains("download_url") || answer.contains("X-Amz-Signature"), "the worker's answer is no link: " + answer);
        assertTrue(printed.contains("The same command again repeats that tick"), printed);
        // The same command again: the same tick, the same export, answered without running it again.
        Process again = new ProcessBuilder("bash", "-c", command.group(1).replace(" aws ", " " + aws + " ")).redirectErrorStream(true).start();
        String againAnswer = new String(again.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, again.waitFor(), againAnswer);
        Matcher againId = Pattern.compile("\"export_id\"\\s*:\\s*\"([0-9a-f-]{36})\"").matcher(againAnswer);
        assertTrue(againId.find(), againAnswer);
        assertEquals(exportId.group(1), againId.group(1), againAnswer);
        assertTrue(answer.contains("\"schedule_name\": \"weekly-all-campaigns\"") || answer.contains("\"schedule_name\":\"weekly-all-campaigns\""), answer);

        JsonNode event = null;
        int eventsOfTheTick = 0;
        try (var sqs = run.moto().sqs()) {
            // Until the event has come, and 3 s more, so that a second one would have come too.
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            long quietUntil = Long.MAX_VALUE;
            while (System.nanoTime() < Math.min(deadline, quietUntil)) {
                for (var message : sqs.receiveMessage(b -> b.queueUrl(run.eventsQueue().url()).maxNumberOfMessages(10).waitTimeSeconds(1)).messages()) {
                    JsonNode candidate = Json.MAPPER.readTree(message.body());
                    if (exportId.group(1).equals(candidate.path("detail").path("export_id").asText())) {
                        event = candidate;
                        eventsOfTheTick++;
                        quietUntil = System.nanoTime() + Duration.ofSeconds(3).toNanos();
                    }
                }
            }
        }
        assertNotNull(event, "no event for " + exportId.group(1));
        assertEquals(1, eventsOfTheTick, "one tick fired twice: one export, one event");
        assertEquals("onboarding-export", event.path("source").asText());
        assertEquals("scheduled", event.path("detail").path("mode").asText());
        assertTrue(event.path("detail").path("status_url").asText().startsWith(run.api().url().toString()), event.toString());

        // The status URL of the notice: an admin gets the scheduled export with a freshly signed link.
        HttpResponse<String> status = HTTP.send(HttpRequest.newBuilder(URI.create(event.path("detail").path("status_url").asText()))
                .header("Authorization", "Bearer " + adminJwt).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, status.statusCode(), status.body());
        JsonNode body = Json.MAPPER.readTree(status.body());
        assertEquals("succeeded", body.path("status").asText(), body.toString());
        HttpResponse<String> file = HTTP.send(HttpRequest.newBuilder(URI.create(body.path("download_url").asText())).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, file.statusCode(), file.body());
        assertEquals(body.path("size_bytes").asLong(), file.body().getBytes(StandardCharsets.UTF_8).length);
    }

    /** The scheduled-export function's answer to a scheduled event, invoked on its alias through the local Lambda Invoke API. */
    private static JsonNode fireSchedule(String input) throws Exception {
        HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(run.api().lambdaEndpoint()
                        .resolve("/2015-03-31/functions/onboarding-export-local-scheduled:live/invocations"))
                .POST(HttpRequest.BodyPublishers.ofString(input)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, answer.statusCode(), answer.body());
        assertFalse(answer.headers().firstValue("X-Amz-Function-Error").isPresent(), answer.body());
        return Json.MAPPER.readTree(answer.body());
    }

    @Test
    @DisplayName("A since_last_run schedule through its function's alias: the first run exports and leaves its mark, the next finds nothing new since")
    void sinceLastRunSchedule() throws Exception {
        String input = "{\"schedule_name\":\"since-last-run-" + System.nanoTime() + "\",\"date_range\":\"since_last_run\","
                + "\"first_run\":\"all_time\",\"file_format\":\"csv\",\"scheduled_time\":\"%s\"}";
        JsonNode first = fireSchedule(input.formatted(Instant.now().minusSeconds(1)));
        assertEquals("succeeded", first.path("status").asText(), first.toString());
        assertTrue(first.path("record_count").asInt() > 0, first.toString());
        JsonNode second = fireSchedule(input.formatted(Instant.now()));
        assertEquals("succeeded", second.path("status").asText(), second.toString());
        assertEquals(0, second.path("record_count").asInt(-1), second.toString());
        assertFalse(second.has("download_url"), second.toString());
    }

    @Test
    @DisplayName("A retried POST with the same Idempotency-Key gets the first export (same export_id, a freshly signed link), not a second one")
    void idempotencyKeyThroughTheGateway() throws Exception {
        String key = "local-run-" + System.nanoTime();
        String body = "{\"date_range\":\"all_time\",\"file_format\":\"csv\",\"mode\":\"sync\"}";
        List<JsonNode> answers = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(exports)
                    .header("Content-Type", "application/json").header("Authorization", "Bearer " + adminJwt)
                    .header("Idempotency-Key", key).timeout(Duration.ofSeconds(60))
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, answer.statusCode(), answer.body());
            answers.add(Json.MAPPER.readTree(answer.body()));
        }
        assertEquals(answers.get(0).path("export_id").asText(), answers.get(1).path("export_id").asText());
        assertFalse(answers.get(1).path("download_url").asText().isEmpty(), answers.get(1).toString());
    }

    @Test
    @DisplayName("POST /exports/onboarding without a token: 401 JSON from the gateway, the authorizer is not called")
    void noToken() throws Exception {
        int invocationsBefore = authorizerInvocations();
        HttpResponse<String> answer = post(null, "{}");
        assertEquals(401, answer.statusCode());
        assertEquals(Json.MAPPER.readTree(unauthorizedBody(requestId(answer))), Json.MAPPER.readTree(answer.body()));
        assertEquals("Bearer", answer.headers().firstValue("WWW-Authenticate").orElse(null));
        assertEquals("application/json", answer.headers().firstValue("Content-Type").orElse(null));
        assertEquals(invocationsBefore, authorizerInvocations());
    }

    @Test
    @DisplayName("A token that is not a JWT: 401 from the identity validation expression")
    void garbageToken() throws Exception {
        HttpResponse<String> answer = post("Bearer garbage", "{}");
        assertEquals(401, answer.statusCode());
        assertEquals(Json.MAPPER.readTree(unauthorizedBody(requestId(answer))), Json.MAPPER.readTree(answer.body()));
    }

    @Test
    @DisplayName("A JWT signed with another secret: the authorizer throws Unauthorized, the gateway answers 401")
    void forgedToken() throws Exception {
        int invocationsBefore = authorizerInvocations();
        String forged = JWT.create().withClaim("id", 1).withIssuedAt(Instant.now())
                .withExpiresAt(Instant.now().plusSeconds(600)).sign(Algorithm.HMAC256("not-the-secret-of-this-strapi"));
        HttpResponse<String> answer = post("Bearer " + forged, "{}");
        assertEquals(401, answer.statusCode());
        assertEquals(Json.MAPPER.readTree(unauthorizedBody(requestId(answer))), Json.MAPPER.readTree(answer.body()));
        assertEquals(invocationsBefore + 1, authorizerInvocations(), "the authorizer function decided this one");
    }

    @Test
    @DisplayName("Admin token: 200, the download_url downloads the file it describes")
    void adminExport() throws Exception {
        HttpResponse<String> answer = post("Bearer " + adminJwt, LocalRun.FIRST_EXPORT);
        assertEquals(200, answer.statusCode(), answer.body());
        JsonNode body = Json.MAPPER.readTree(answer.body());
        assertTrue(body.path("record_count").asInt() > 0, answer.body());
        assertEquals("csv", body.path("file_format").asText());
        assertEquals(requestId(answer), answer.headers().firstValue("X-Request-Id").orElse(null),
                "the function saw the gateway's request id in requestContext.requestId");
        assertDownloads(body);
    }

    @Test
    @DisplayName("client-b asking for a client-a campaign: 403 FORBIDDEN")
    void foreignCampaign() throws Exception {
        JsonNode campaigns = run.strapi().get("/api/campaigns?filters[client][name][$eq]=Acme%20Corp&pagination[pageSize]=1");
        String clientACampaign = campaigns.path("data").path(0).path("documentId").asText();
        assertFalse(clientACampaign.isEmpty(), campaigns.toString());

        HttpResponse<String> answer = post("Bearer " + clientBJwt,
                "{\"campaign_ids\":[\"" + clientACampaign + "\"],\"date_range\":\"all_time\"}");
        assertEquals(403, answer.statusCode(), answer.body());
        JsonNode error = Json.MAPPER.readTree(answer.body()).path("error");
        assertEquals(403, error.path("status").asInt());
        assertEquals("FORBIDDEN", error.path("code").asText());
        assertEquals(requestId(answer), error.path("request_id").asText());
    }

    @Test
    @DisplayName("A user the authorizer denies (role not allowed): 403 from the gateway's ACCESS_DENIED response")
    void deniedUser() throws Exception {
        HttpResponse<String> answer = post("Bearer " + run.login("other@onboarding.test"), "{}");
        assertEquals(403, answer.statusCode(), answer.body());
        assertEquals(Json.MAPPER.readTree("{\"error\":{\"status\":403,\"code\":\"FORBIDDEN\",\"message\":"
                        + "\"This user may not export onboarding responses\",\"request_id\":\"" + requestId(answer) + "\"}}"),
                Json.MAPPER.readTree(answer.body()));
    }

    @Test
    @DisplayName("An unknown route: the template's MISSING_AUTHENTICATION_TOKEN response (404)")
    void unknownRoute() throws Exception {
        HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(run.api().url().resolve("/exports/nothing-here"))
                .header("Authorization", "Bearer " + adminJwt).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(404, answer.statusCode());
        assertEquals(Json.MAPPER.readTree("{\"error\":{\"status\":404,\"code\":\"NOT_FOUND\",\"message\":\"No such route\","
                + "\"request_id\":\"" + requestId(answer) + "\"}}"), Json.MAPPER.readTree(answer.body()));
    }

    @Test
    @DisplayName("mode async: 202, then GET /exports/onboarding/{export_id} (the background run went through the local Lambda Invoke API)")
    void asyncExportAndStatusRoute() throws Exception {
        HttpResponse<String> started = post("Bearer " + adminJwt, "{\"date_range\":\"all_time\",\"file_format\":\"json\",\"mode\":\"async\"}");
        assertEquals(202, started.statusCode(), started.body());
        JsonNode accepted = Json.MAPPER.readTree(started.body());
        String exportId = accepted.path("export_id").asText();
        URI statusUrl = URI.create(accepted.path("status_url").asText());
        assertEquals(exports.resolve("/exports/onboarding/" + exportId), statusUrl, "status_url points at the local API");

        JsonNode status = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(statusUrl)
                    .header("Authorization", "Bearer " + adminJwt).GET().build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, answer.statusCode(), answer.body());
            status = Json.MAPPER.readTree(answer.body());
            if (!"running".equals(status.path("status").asText())) {
                break;
            }
            Thread.sleep(250);
        }
        assertNotNull(status);
        assertEquals("succeeded", status.path("status").asText(), status.toString());
        assertEquals(exportId, status.path("export_id").asText());
        assertDownloads(status);
    }

    @Test
    @DisplayName("A misspelt export Handler in the template: the API starts, every request to it fails with 502 and 'Class not found', as in Lambda")
    void wrongExportHandler(@TempDir Path dir) throws Exception {
        Path broken = brokenCopy(dir, EXPORT_HANDLER, "com.onboardingexport.export.api.ExportHandlr::handleRequest");
        try (LocalApi api = LocalApi.start(run.apiConfig(broken, 0, System.out::println))) {
            assertEquals(Set.of("ExportFunction"), api.initErrors().keySet());
            assertTrue(api.initErrors().get("ExportFunction").contains("Class not found: com.onboardingexport.export.api.ExportHandlr"),
                    api.initErrors().toString());

            HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(api.url().resolve("/exports/onboarding"))
                    .header("Authorization", "Bearer " + adminJwt)
                    .POST(HttpRequest.BodyPublishers.ofString(LocalRun.FIRST_EXPORT)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(502, answer.statusCode());
            assertEquals(Json.MAPPER.readTree("{\"message\": \"Internal server error\"}"), Json.MAPPER.readTree(answer.body()));
            assertEquals(1, api.functionErrors().size(), api.functionErrors().toString());
            JsonNode error = Json.MAPPER.readTree(api.functionErrors().get(0).substring("ExportFunction: ".length()));
            assertEquals("java.lang.ClassNotFoundException", error.path("errorType").asText());
            assertEquals("Class not found: com.onboardingexport.export.api.ExportHandlr", error.path("errorMessage").asText());
        }
    }

    @Test
    @DisplayName("A misspelt authorizer Handler: every request fails with the template's AUTHORIZER_FAILURE response, never reaches the export")
    void wrongAuthorizerHandler(@TempDir Path dir) throws Exception {
        Path broken = brokenCopy(dir, AUTHORIZER_HANDLER, "com.onboardingexport.authorizer.AuthorizerHandler::handle");
        try (LocalApi api = LocalApi.start(run.apiConfig(broken, 0, System.out::println))) {
            assertTrue(api.initErrors().get("AuthorizerFunction").contains(
                    "No public method named handle with appropriate method signature found on class com.onboardingexport.authorizer.AuthorizerHandler"),
                    api.initErrors().toString());

            HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(api.url().resolve("/exports/onboarding"))
                    .header("Authorization", "Bearer " + adminJwt)
                    .POST(HttpRequest.BodyPublishers.ofString(LocalRun.FIRST_EXPORT)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(502, answer.statusCode());
            assertEquals(Json.MAPPER.readTree("{\"error\":{\"status\":502,\"code\":\"UPSTREAM_ERROR\",\"message\":"
                            + "\"Could not verify the user right now; retry later\",\"request_id\":\"" + requestId(answer) + "\"}}"),
                    Json.MAPPER.readTree(answer.body()));
            assertEquals(List.of("AuthorizerFunction"), api.functionErrors().stream().map(e -> e.substring(0, e.indexOf(':'))).toList());
        }
    }

    // ------------------------------------------------------------------ helpers

    private static Path brokenCopy(Path dir, String handler, String misspelt) throws IOException {
        String text = Files.readString(TEMPLATE, StandardCharsets.UTF_8);
        assertEquals(1, text.split(Pattern.quote("Handler: " + handler), -1).length - 1, "the template names " + handler + " once");
        Path copy = dir.resolve("template.yaml");
        Files.writeString(copy, text.replace("Handler: " + handler, "Handler: " + misspelt), StandardCharsets.UTF_8);
        return copy;
    }

    private static HttpResponse<String> post(String authorization, String body) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(exports)
                .header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void assertDownloads(JsonNode export) throws IOException, InterruptedException {
        HttpResponse<byte[]> file = HTTP.send(HttpRequest.newBuilder(URI.create(export.path("download_url").asText())).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, file.statusCode(), export.toString());
        assertEquals(export.path("size_bytes").asLong(), file.body().length);
        assertEquals("attachment; filename=\"" + export.path("filename").asText() + "\"",
                file.headers().firstValue("Content-Disposition").orElse(null));
    }

    private static String requestId(HttpResponse<?> answer) {
        return answer.headers().firstValue("x-amzn-RequestId").orElseThrow();
    }

    private static String unauthorizedBody(String requestId) {
        return "{\"error\":{\"status\":401,\"code\":\"UNAUTHORIZED\",\"message\":\"Missing, malformed, expired or invalid bearer token\","
                + "\"request_id\":\"" + requestId + "\"}}";
    }

    private static int authorizerInvocations() {
        return run.api().invocations("AuthorizerFunction");
    }
}
