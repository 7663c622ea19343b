package com.onboardingexport.bench;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.onboardingexport.export.config.ExportConfig;
import com.onboardingexport.export.model.ExportJob;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import com.onboardingexport.export.api.ExportHandler;
import com.onboardingexport.export.worker.ExportWorkerHandler;
import com.onboardingexport.shared.Env;
import com.onboardingexport.shared.Json;
import com.onboardingexport.shared.StrapiClient;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * The export handler built on the real parts as the integration tests build it (ExportFixture), and
 * one export run end to end through {@link ExportHandler#handleApiRequest}: an admin's
 * {@code POST /exports/onboarding} with {@code mode: sync}, timed from the call to the 200 answer
 * (Strapi pages, spool, file, PutObject to the in-process S3, presigned link).
 * <p>
 * The synchronous API path gives itself at most 27 s (API Gateway's 29 s). If an export takes
 * longer it answers 504; then the same export is run through the scheduled entry point
 * ({@link ExportWorkerHandler#handleScheduledExport}: the same plan and run, the system principal, the
 * Lambda's own time left), and the outcome says so.
 */
final class ExportRunner implements AutoCloseable {
    static final String BUCKET = "onboarding-exports-bench";

    /** One export: how long, what came back. */
    record Outcome(int status, String path, long rows, long bytes, long nanos, String error, String key) {
        double seconds() {
            return nanos / 1e9;
        }

        double rowsPerSecond() {
            return rows / seconds();
        }

        boolean ok() {
            return status == 200;
        }
    }

    private final ExportHandler handler;
    private final ExportWorkerHandler worker;
    private final ExecutorService background = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "bench-background-export");
        thread.setDaemon(true);
        return thread;
    });
    private final int parallelism;
    private final S3Client s3;
    private final S3Presigner presigner;

    ExportRunner(URI strapiUrl, String apiToken, URI s3Endpoint, String accessKey, String secretKey, int parallelism) {
        this(strapiUrl, apiToken, s3Endpoint, accessKey, secretKey, parallelism, Integer.MAX_VALUE);
    }

    /**
     * With an {@code asyncRowThreshold}, larger exports answer 202 and run in the background: the API
     * function's asynchronous invocation of the worker is played in process, on another thread, as the local run does.
     */
    ExportRunner(URI strapiUrl, String apiToken, URI s3Endpoint, String accessKey, String secretKey, int parallelism,
                 long asyncRowThreshold) {
        Map<String, String> env = new HashMap<>();
        env.put("STRAPI_URL", strapiUrl.toString());
        env.put("STRAPI_API_TOKEN_SECRET_ARN", "arn:aws:secretsmanager:us-east-1:000000000000:secret:bench");
        env.put("EXPORT_BUCKET", BUCKET);
        env.put("STRAPI_PARALLELISM", Integer.toString(parallelism));
        env.put("STRAPI_PAGE_SIZE", "100");
        env.put("STRAPI_TIMEOUT_MS", "30000");
        env.put("ASYNC_ROW_THRESHOLD", Long.toString(asyncRowThreshold));
        ExportConfig config = ExportConfig.from(new Env(env));
        this.parallelism = config.parallelism();
        StaticCredentialsProvider credentials = StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey));
        this.s3 = S3Client.builder().endpointOverride(s3Endpoint).region(Region.US_EAST_1).credentialsProvider(credentials)
                .forcePathStyle(true).httpClient(UrlConnectionHttpClient.create()).build();
        this.presigner = S3Presigner.builder().endpointOverride(s3Endpoint).region(Region.US_EAST_1)
                .credentialsProvider(credentials)
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build()).build();
        // The API token straight from the benchmark (the Secrets Manager read is the cold start's business).
        StrapiClient strapi = new StrapiClient(URI.create(config.strapiUrl()), () -> apiToken,
                StrapiClient.defaultHttpClient(Duration.ofSeconds(3)), config.strapiTimeout(), 3);
        // The exports' events go to AWS_ENDPOINT_URL when the benchmark sets one; else they are refused at once and logged.
        EventBridgeClient events = EventBridgeClient.builder().region(Region.US_EAST_1).credentialsProvider(credentials)
                .endpointOverride(URI.create(System.getenv().getOrDefault("AWS_ENDPOINT_URL", "http://127.0.0.1:9")))
                .httpClient(UrlConnectionHttpClient.create()).build();
        this.worker = new ExportWorkerHandler(config, strapi, s3, presigner, events, Clock.systemUTC());
        this.handler = new ExportHandler(config, strapi, s3, presigner, (arn, event) -> background.submit(() ->
                worker.handleBackgroundExport(event.get(ExportJob.JOB_EVENT), new BenchContext(Duration.ofMinutes(15)))),
                events, Clock.systemUTC());
    }

    int parallelism() {
        return parallelism;
    }

    static String body(String dateRange, String format) {
        return Json.MAPPER.createObjectNode().put("date_range", dateRange).put("file_format", format).put("mode", "sync").toString();
    }

    /** One export as an admin asks for it; falls back to the scheduled entry point past the API's 27 s. */
    Outcome run(String dateRange, String format) {
        Outcome outcome = runBody(body(dateRange, format));
        if (outcome.status() == 504) {
            return runScheduled(dateRange, format, "API answered 504 after " + Math.round(outcome.nanos() / 1e6) + " ms");
        }
        return outcome;
    }

    /** One admin's {@code POST /exports/onboarding} with this body, through the API path (27 s at most); no fallback. */
    Outcome runBody(String body) {
        long started = System.nanoTime();
        APIGatewayProxyResponseEvent response = handler.handleApiRequest(adminRequest(body), new BenchContext(Duration.ofMinutes(15)));
        long nanos = System.nanoTime() - started;
        return outcome(response.getStatusCode(), "api", read(response.getBody()), nanos);
    }

    /**
     * One export in {@code auto} mode, timed end to end as a caller sees it: the POST (202 above the
     * threshold), then polling {@code GET /exports/onboarding/{export_id}} every 100 ms until it is no
     * longer running.
     */
    Outcome runAsync(String dateRange, String format) throws InterruptedException {
        long started = System.nanoTime();
        String body = Json.MAPPER.createObjectNode().put("date_range", dateRange).put("file_format", format).put("mode", "auto").toString();
        APIGatewayProxyResponseEvent accepted = handler.handleApiRequest(adminRequest(body), new BenchContext(Duration.ofMinutes(15)));
        long acceptedNanos = System.nanoTime() - started;
        JsonNode answer = read(accepted.getBody());
        if (accepted.getStatusCode() != 202) {
            return outcome(accepted.getStatusCode(), "api (no 202)", answer, acceptedNanos);
        }
        String exportId = answer.path("export_id").asText();
        while ("running".equals(answer.path("status").asText("running"))) {
            Thread.sleep(100);
            APIGatewayProxyRequestEvent poll = adminRequest(null).withHttpMethod("GET")
                    .withResource("/exports/onboarding/{export_id}").withPath("/exports/onboarding/" + exportId)
                    .withPathParameters(Map.of("export_id", exportId));
            answer = read(handler.handleApiRequest(poll, new BenchContext(Duration.ofSeconds(30))).getBody());
        }
        long nanos = System.nanoTime() - started;
        int status = "succeeded".equals(answer.path("status").asText()) ? 200 : answer.path("error").path("status").asInt(500);
        return outcome(status, "async (202 after " + Math.round(acceptedNanos / 1e6) + " ms)", answer, nanos);
    }

    private static final java.util.concurrent.atomic.AtomicLong LAST_TICK = new java.util.concurrent.atomic.AtomicLong();

    /** The same export through the scheduled entry point (no 27 s API budget). */
    Outcome runScheduled(String dateRange, String format, String why) {
        return runScheduled(Json.MAPPER.createObjectNode().put("date_range", dateRange).put("file_format", format), why);
    }

    /** The scheduled entry point with these request fields (a copy gets the schedule's name); 15 minutes of Lambda time. */
    Outcome runScheduled(ObjectNode requestFields, String why) {
        // Each run a tick of its own (one tick is one export, whatever the number of its deliveries).
        long tick = LAST_TICK.updateAndGet(last -> Math.max(last + 1, System.currentTimeMillis()));
        ObjectNode event = Json.MAPPER.createObjectNode().put("schedule_name", "bench")
                .put("scheduled_time", java.time.Instant.ofEpochMilli(tick).toString());
        event.setAll(requestFields.deepCopy());
        long started = System.nanoTime();
        JsonNode answer = worker.handleScheduledExport(event, new BenchContext(Duration.ofMinutes(15)));
        long nanos = System.nanoTime() - started;
        int status = answer.has("error") ? answer.path("error").path("status").asInt(500) : 200;
        Outcome outcome = outcome(status, why == null ? "scheduled" : "scheduled (" + why + ")", answer, nanos);
        // The worker answers no link: its file is where a schedule's files go.
        return status != 200 || !answer.has("filename") ? outcome : new Outcome(outcome.status(), outcome.path(), outcome.rows(),
                outcome.bytes(), outcome.nanos(), outcome.error(),
                "scheduled/bench/" + answer.path("export_id").asText() + "/" + answer.path("filename").asText());
    }

    private Outcome outcome(int status, String path, JsonNode answer, long nanos) {
        String key = null;
        String url = answer.path("download_url").asText("");
        if (!url.isEmpty()) {
            String urlPath = URI.create(url).getPath();
            key = urlPath.substring(urlPath.indexOf('/', 1) + 1);
        }
        return new Outcome(status, path, answer.path("record_count").asLong(-1), answer.path("size_bytes").asLong(-1), nanos,
                status == 200 ? null : answer.path("error").path("code").asText("?") + ": " + answer.path("error").path("message").asText(""),
                key);
    }

    /** The object an export wrote, as a stream (for reading a compressed file back). */
    java.io.InputStream open(Outcome outcome) {
        return s3.getObject(b -> b.bucket(BUCKET).key(outcome.key()));
    }

    /** The in-process S3 keeps objects in memory: each export's file is deleted once measured. */
    void delete(Outcome outcome) {
        if (outcome.key() != null) {
            s3.deleteObject(b -> b.bucket(BUCKET).key(outcome.key()));
        }
    }

    static APIGatewayProxyRequestEvent adminRequest(String body) {
        var context = new APIGatewayProxyRequestEvent.ProxyRequestContext()
                .withRequestId(UUID.randomUUID().toString())
                .withHttpMethod("POST")
                .withResourcePath("/exports/onboarding")
                .withStage("dev");
        Map<String, Object> authorizer = new HashMap<>();
        authorizer.put("principalId", "1");
        authorizer.put("userId", "1");
        authorizer.put("role", "admin");
        authorizer.put("clientId", "");
        context.setAuthorizer(authorizer);
        return new APIGatewayProxyRequestEvent()
                .withHttpMethod("POST")
                .withResource("/exports/onboarding")
                .withPath("/exports/onboarding")
                .withHeaders(Map.of("Content-Type", "application/json"))
                .withRequestContext(context)
                .withBody(body);
    }

    private static JsonNode read(String body) {
        try {
            return Json.MAPPER.readTree(body);
        } catch (Exception e) {
            throw new IllegalStateException("not JSON: " + body, e);
        }
    }

    @Override
    public void close() {
        background.shutdownNow();
        s3.close();
        presigner.close();
    }
}
