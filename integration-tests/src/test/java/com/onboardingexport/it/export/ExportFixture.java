package com.onboardingexport.it.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.onboardingexport.export.api.BackgroundInvoker;
import com.onboardingexport.export.api.ExportHandler;
import com.onboardingexport.export.config.ExportConfig;
import com.onboardingexport.export.model.ExportJob;
import com.onboardingexport.export.worker.ExportWorkerHandler;
import com.onboardingexport.it.RealParts;
import com.onboardingexport.local.lambda.LocalLambdaContext;
import com.onboardingexport.shared.Env;
import com.onboardingexport.shared.Json;
import com.onboardingexport.shared.StrapiClient;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/** Builds the export handler on the real parts, sends it API Gateway-shaped requests, downloads what it links to. */
public final class ExportFixture {
    public final RealParts parts = RealParts.get();
    private final HttpClient http = HttpClient.newHttpClient();

    public Map<String, String> env(URI strapiUrl, String bucket) {
        Map<String, String> env = new HashMap<>();
        env.put("STRAPI_URL", strapiUrl.toString());
        env.put("STRAPI_API_TOKEN_SECRET_ARN", parts.apiTokenSecretArn);
        env.put("EXPORT_BUCKET", bucket);
        env.put("API_URL", "https://onboarding-export.test/dev"); // as the template gives the worker
        env.put("STRAPI_TIMEOUT_MS", "5000");
        // One bucket for every test of this JVM, whose recorded background runs may never run: a group's
        // places (one client's users', the admins') would fill up across tests. Those limits are
        // FairShareIT's (the local run) and HardeningIT.groupLimits's matter; each user's stays on.
        env.put("MAX_RUNNING_EXPORTS_PER_CLIENT", "0");
        env.put("MAX_RUNNING_ADMIN_EXPORTS", "0");
        return env;
    }

    public ExportHandler handler(Map<String, String> env, Clock clock) {
        return handler(env, clock, (arn, event) -> {
            throw new IllegalStateException("this test expects no background export");
        });
    }

    /** A handler whose background runs are only recorded in {@code started}, to be run (or not) by the test; two places per user. */
    public ExportHandler recordingHandler(java.util.List<JsonNode> started) {
        Map<String, String> env = env(parts.strapi.url(), RealParts.BUCKET);
        env.put("MAX_RUNNING_EXPORTS_PER_USER", "2");
        return handler(env, Clock.systemUTC(), (arn, event) -> started.add(event));
    }

    public ExportHandler handler(Map<String, String> env, Clock clock, BackgroundInvoker background) {
        ExportConfig config = ExportConfig.from(new Env(env));
        StrapiClient strapi = new StrapiClient(URI.create(config.strapiUrl()), parts.apiTokenSecret(),
                StrapiClient.defaultHttpClient(Duration.ofSeconds(2)), config.strapiTimeout(), 3);
        return new ExportHandler(config, strapi, parts.s3.client(), parts.s3.presigner(), background, parts.moto.eventBridge(), clock);
    }

    /** The worker function on the same parts (background and scheduled exports). */
    public ExportWorkerHandler worker(Map<String, String> env, Clock clock) {
        ExportConfig config = ExportConfig.from(new Env(env));
        StrapiClient strapi = new StrapiClient(URI.create(config.strapiUrl()), parts.apiTokenSecret(),
                StrapiClient.defaultHttpClient(Duration.ofSeconds(2)), config.strapiTimeout(), 3);
        return new ExportWorkerHandler(config, strapi, parts.s3.client(), parts.s3.presigner(), parts.moto.eventBridge(), clock);
    }

    public ExportWorkerHandler worker() {
        return worker(env(parts.strapi.url(), RealParts.BUCKET), Clock.systemUTC());
    }

    /** Runs a job the API function handed over, as the worker's asynchronous invocation would. */
    public static void runJob(ExportWorkerHandler worker, JsonNode event, Duration timeLeft) {
        worker.handleBackgroundExport(event.get(ExportJob.JOB_EVENT), new LocalLambdaContext(timeLeft));
    }

    /** A GET of an export's status, as API Gateway hands it over. */
    private static final java.util.concurrent.atomic.AtomicLong LAST_TICK = new java.util.concurrent.atomic.AtomicLong();

    /** A schedule's input as a tick of its own: {@code scheduled_time} now, never the same twice in this JVM. */
    public static com.fasterxml.jackson.databind.node.ObjectNode newTick(com.fasterxml.jackson.databind.node.ObjectNode input) {
        long millis = LAST_TICK.updateAndGet(last -> Math.max(last + 1, System.currentTimeMillis()));
        return input.put("scheduled_time", java.time.Instant.ofEpochMilli(millis).toString());
    }

    /** The freshly signed link of an export, as an admin reads it at its status URL (the worker's answer has none). */
    public String link(String exportId) throws Exception {
        JsonNode status = ok(send(handler(), statusRequest("1", "admin", "", exportId)));
        return status.path("download_url").asText();
    }

    public static APIGatewayProxyRequestEvent statusRequest(String userId, String role, String clientId, String exportId) {
        APIGatewayProxyRequestEvent event = request(userId, role, clientId, null)
                .withHttpMethod("GET")
                .withResource("/exports/onboarding/{export_id}")
                .withPath("/exports/onboarding/" + exportId)
                .withPathParameters(Map.of("export_id", exportId));
        event.getRequestContext().setHttpMethod("GET");
        return event;
    }

    public ExportHandler handler() {
        return handler(env(parts.strapi.url(), RealParts.BUCKET), Clock.systemUTC());
    }

    public static APIGatewayProxyRequestEvent request(String userId, String role, String clientId, String body) {
        var context = new APIGatewayProxyRequestEvent.ProxyRequestContext()
                .withRequestId(UUID.randomUUID().toString())
                .withHttpMethod("POST")
                .withResourcePath("/exports/onboarding")
                .withStage("dev");
        Map<String, Object> authorizer = new HashMap<>();
        authorizer.put("principalId", userId);
        authorizer.put("userId", userId);
        authorizer.put("role", role);
        authorizer.put("clientId", clientId);
        context.setAuthorizer(authorizer);
        return new APIGatewayProxyRequestEvent()
                .withHttpMethod("POST")
                .withResource("/exports/onboarding")
                .withPath("/exports/onboarding")
                .withHeaders(Map.of("Content-Type", "application/json"))
                .withRequestContext(context)
                .withBody(body);
    }

    public static APIGatewayProxyRequestEvent admin(String body) {
        return request("1", "admin", "", body);
    }

    public JsonNode body(APIGatewayProxyResponseEvent response) throws IOException {
        return Json.MAPPER.readTree(response.getBody());
    }

    public APIGatewayProxyResponseEvent send(ExportHandler handler, APIGatewayProxyRequestEvent request) {
        return handler.handleApiRequest(request, new LocalLambdaContext());
    }

    public HttpResponse<byte[]> download(String url) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /** Every row Strapi holds for a query, read with the API token page by page (sorted by id). */
    public java.util.List<JsonNode> strapiRows(String filters) {
        java.util.List<JsonNode> rows = new java.util.ArrayList<>();
        for (int page = 1; ; page++) {
            JsonNode answer = parts.strapi.get("/api/campaign-onboarding-responses?sort[0]=id:asc"
                    + "&populate[campaign][populate][client]=true&pagination[pageSize]=100&pagination[page]=" + page
                    + (filters.isEmpty() ? "" : "&" + filters));
            answer.path("data").forEach(rows::add);
            if (page >= answer.path("meta").path("pagination").path("pageCount").asInt()) {
                return rows;
            }
        }
    }

    /** A 200 with a JSON body. */
    public static JsonNode ok(APIGatewayProxyResponseEvent response) throws Exception {
        assertEquals(200, response.getStatusCode(), response.getBody());
        assertEquals("application/json", response.getHeaders().get("Content-Type"));
        return Json.MAPPER.readTree(response.getBody());
    }

    /** An error of the contract: its status and code, a message, a request id, no exception name. */
    public static JsonNode error(APIGatewayProxyResponseEvent response, int status, String code) throws Exception {
        assertEquals(status, response.getStatusCode(), response.getBody());
        JsonNode error = Json.MAPPER.readTree(response.getBody()).path("error");
        assertEquals(status, error.path("status").asInt());
        assertEquals(code, error.path("code").asText());
        assertFalse(error.path("message").asText().isBlank());
        assertFalse(error.path("request_id").asText().isBlank());
        assertFalse(response.getBody().contains("Exception"), "no stack trace or exception name");
        return error;
    }
}
