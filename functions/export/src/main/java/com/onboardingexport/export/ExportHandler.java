package com.onboardingexport.export;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.onboardingexport.shared.ApiException;
import com.onboardingexport.shared.CachedSecret;
import com.onboardingexport.shared.AwsClients;
import com.onboardingexport.shared.Deadline;
import com.onboardingexport.shared.Env;
import com.onboardingexport.shared.ErrorCode;
import com.onboardingexport.shared.Json;
import com.onboardingexport.shared.JsonLog;
import com.onboardingexport.shared.StrapiClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.crac.Core;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * The export Lambda. One handler for its entry points, told apart by the event's shape:
 * an API Gateway REST proxy event ({@code POST /exports/onboarding}, {@code GET /exports/onboarding/{export_id}}),
 * a scheduled export (EventBridge Scheduler's JSON input, recognised by {@code schedule_name}), and
 * the background part of an asynchronous export (its own asynchronous invocation, {@code background_export}).
 */
public final class ExportHandler implements RequestStreamHandler {
    /** API Gateway stops waiting after 29 s; answer before that with a JSON 504 of our own. */
    private static final Duration API_TIME_BUDGET = Duration.ofSeconds(27);
    private static final Duration SAFETY_MARGIN = Duration.ofSeconds(1);
    /** The key of the event a function sends itself to run an export in the background. */
    public static final String BACKGROUND_EVENT = "background_export";
    private static final Pattern SCHEDULE_NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    private static final Pattern EXPORT_ID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    /**
     * By when a background run must have finished: Lambda's 15 minutes plus the time its event may
     * wait in Lambda's queue. Past it, a marker of the run no longer counts against its user.
     */
    private static final Duration BACKGROUND_DEADLINE = Duration.ofMinutes(20);
    /** What a 429 TOO_MANY_EXPORTS tells the caller to wait before trying again. */
    private static final int RETRY_AFTER_SECONDS = 30;
    /** How often a background export records its progress in its status object. */
    private static final Duration PROGRESS_INTERVAL = Duration.ofSeconds(5);

    private final ExportConfig config;
    private final ExportService service;
    private final ExportRequestParser parser;
    private final ExportStatusStore statusStore;
    private final RunningExports runningExports;
    private final BackgroundInvoker background;
    private final Clock clock;
    private ExportPriming priming;

    /** Used by the Lambda runtime: real clients, built once per container. */
    public ExportHandler() {
        this(ExportConfig.from(Env.system()));
    }

    private ExportHandler(ExportConfig config) {
        this(config, S3Presigner.builder().build());
    }

    private ExportHandler(ExportConfig config, S3Presigner presigner) {
        this(config,
                new StrapiClient(URI.create(config.strapiUrl()),
                        new CachedSecret(AwsClients.secretsManager(), config.apiTokenSecretArn(), config.secretCacheTtl()),
                        StrapiClient.defaultHttpClient(Duration.ofSeconds(3)), config.strapiTimeout(), 3),
                S3Client.builder().httpClient(UrlConnectionHttpClient.create()).build(),
                presigner,
                new LambdaSelfInvoker(() -> LambdaClient.builder().httpClient(UrlConnectionHttpClient.create()).build()),
                Clock.systemUTC());
        // CRaC holds resources weakly: the field keeps the priming alive until the checkpoint.
        this.priming = new ExportPriming(config, presigner);
        Core.getGlobalContext().register(priming);
    }

    /** For tests and the local runner: every collaborator given. */
    public ExportHandler(ExportConfig config, StrapiClient strapi, S3Client s3, S3Presigner presigner,
                         BackgroundInvoker background, Clock clock) {
        this.config = config;
        this.service = new ExportService(config, strapi, new ExportStorage(s3, presigner, config.bucket()), clock,
                Path.of(System.getProperty("java.io.tmpdir")));
        this.parser = new ExportRequestParser(config.maxCampaignIds(), clock);
        this.statusStore = new ExportStatusStore(s3, config.bucket(), clock);
        this.runningExports = new RunningExports(s3, config.bucket());
        this.background = background;
        this.clock = clock;
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        JsonNode event = Json.MAPPER.readTree(input);
        Object answer;
        if (event != null && event.has("httpMethod")) {
            answer = handleApiRequest(Json.MAPPER.treeToValue(event, APIGatewayProxyRequestEvent.class), context);
        } else if (event != null && event.has("schedule_name")) {
            answer = handleScheduledExport(event, context);
        } else if (event != null && event.has(BACKGROUND_EVENT)) {
            handleBackgroundExport(event.get(BACKGROUND_EVENT), context);
            answer = Json.MAPPER.createObjectNode();
        } else {
            JsonLog.error("unrecognised event", null, "request_id", context.getAwsRequestId());
            throw new IllegalArgumentException("Unrecognised event: neither an API Gateway request nor a scheduled export");
        }
        Json.MAPPER.writeValue(output, answer);
    }

    public APIGatewayProxyResponseEvent handleApiRequest(APIGatewayProxyRequestEvent event, Context context) {
        long started = System.nanoTime();
        String requestId = apiRequestId(event, context);
        Principal principal = Principal.fromAuthorizerContext(
                event.getRequestContext() == null ? null : event.getRequestContext().getAuthorizer());
        ExportRequest request = null;
        try {
            if (principal.userId().isEmpty()) {
                throw new ApiException(ErrorCode.UNAUTHORIZED, "No authorised user on this request");
            }
            String exportId = event.getPathParameters() == null ? null : event.getPathParameters().get("export_id");
            if ("GET".equals(event.getHttpMethod()) && exportId != null) {
                return status(principal, exportId, requestId);
            }
            if (!"POST".equals(event.getHttpMethod())) {
                throw new ApiException(ErrorCode.NOT_FOUND, "No such route");
            }
            request = parser.parseBody(body(event));
            Deadline deadline = Deadline.in(min(API_TIME_BUDGET, remaining(context).minus(SAFETY_MARGIN)));
            ExportService.Plan plan = service.plan(principal, request, deadline);
            if (request.mode() == ExportMode.ASYNC
                    || (request.mode() == ExportMode.AUTO && plan.total() > config.asyncRowThreshold())) {
                return startInBackground(plan, event, context, requestId, started);
            }
            ExportResult result = service.run(plan, ExportService.newExportId(), clock.instant(), deadline, rows -> { });
            audit(requestId, principal, request, "succeeded", result, null, started);
            return response(200, result.toJson().toString(), requestId);
        } catch (ApiException e) {
            audit(requestId, principal, request, "failed", null, e, started);
            APIGatewayProxyResponseEvent answer = response(e.code().status(), e.errorBody(requestId), requestId);
            if (e.code() == ErrorCode.TOO_MANY_EXPORTS) {
                answer.getHeaders().put("Retry-After", Integer.toString(RETRY_AFTER_SECONDS));
            }
            return answer;
        } catch (RuntimeException e) {
            audit(requestId, principal, request, "failed", null, e, started);
            return response(500, ApiException.errorBody(ErrorCode.INTERNAL,
                    "Internal error; quote request id " + requestId + " when reporting it", requestId), requestId);
        }
    }

    /** A scheduled export runs as the system principal and writes under scheduled/<name>/. */
    public JsonNode handleScheduledExport(JsonNode event, Context context) {
        long started = System.nanoTime();
        String requestId = context.getAwsRequestId();
        String scheduleName = event.path("schedule_name").asText("");
        if (!SCHEDULE_NAME.matcher(scheduleName).matches()) {
            throw new IllegalArgumentException("schedule_name must match " + SCHEDULE_NAME.pattern());
        }
        Principal principal = Principal.schedule(scheduleName);
        ExportRequest request = null;
        try {
            request = parser.parse(event, Set.of("schedule_name"));
            Deadline deadline = Deadline.in(remaining(context).minus(SAFETY_MARGIN));
            ExportService.Plan plan = service.plan(principal, request, deadline);
            ExportResult result = service.run(plan, ExportService.newExportId(), clock.instant(), deadline, rows -> { });
            audit(requestId, principal, request, "succeeded", result, null, started);
            return result.toJson();
        } catch (ApiException e) {
            audit(requestId, principal, request, "failed", null, e, started);
            if (e.code().status() >= 500) {
                throw e; // let Lambda's asynchronous retries try again
            }
            return Json.MAPPER.valueToTree(Map.of("error", Map.of("status", e.code().status(),
                    "code", e.code().name(), "message", e.getMessage(), "request_id", requestId)));
        }
    }

    /** Records the export as running, hands it to a background invocation, and answers 202. */
    private APIGatewayProxyResponseEvent startInBackground(ExportService.Plan plan, APIGatewayProxyRequestEvent event,
                                                           Context context, String requestId, long started) {
        Principal owner = plan.principal();
        if (runningExports.count(owner.userId(), clock.instant()) >= config.maxRunningExportsPerUser()) {
            throw new ApiException(ErrorCode.TOO_MANY_EXPORTS, "You have " + config.maxRunningExportsPerUser()
                    + " exports running already; retry when one has finished");
        }
        String exportId = ExportService.newExportId();
        Instant mustFinishBy = clock.instant().plus(BACKGROUND_DEADLINE);
        ObjectNode status = statusStore.running(exportId, owner, plan.total(), 0);
        status.put("must_finish_by", mustFinishBy.toString());
        statusStore.put(status);
        runningExports.add(owner.userId(), exportId, mustFinishBy);
        ObjectNode job = Json.MAPPER.createObjectNode();
        job.put("export_id", exportId);
        job.put("requested_at", clock.instant().toString());
        job.put("request_id", requestId);
        job.set("principal", Json.MAPPER.createObjectNode()
                .put("userId", plan.principal().userId())
                .put("role", plan.principal().role())
                .put("clientId", plan.principal().clientId()));
        job.set("request", plan.request().toResolvedJson());
        try {
            background.start(context.getInvokedFunctionArn(), Json.MAPPER.createObjectNode().set(BACKGROUND_EVENT, job));
        } catch (RuntimeException e) {
            statusStore.delete(exportId);
            runningExports.remove(owner.userId(), exportId, mustFinishBy);
            throw e;
        }
        JsonLog.info("export started in background", "request_id", requestId, "export_id", exportId,
                "user_id", plan.principal().userId(), "total", plan.total(),
                "duration_ms", (System.nanoTime() - started) / 1_000_000);
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("export_id", exportId);
        body.put("status", ExportStatusStore.RUNNING);
        body.put("status_url", statusUrl(event, exportId));
        return response(202, body.toString(), requestId);
    }

    /**
     * Runs an export handed over by {@link #startInBackground}. Runs only while its status is
     * running, so a repeated delivery of the same event never redoes a finished export, and the
     * object key derives from the export id, so a rerun overwrites rather than adds a file.
     */
    public void handleBackgroundExport(JsonNode job, Context context) {
        long started = System.nanoTime();
        String exportId = job.path("export_id").asText("");
        String requestId = job.path("request_id").asText(context.getAwsRequestId());
        Optional<ObjectNode> found = EXPORT_ID.matcher(exportId).matches() ? statusStore.find(exportId) : Optional.empty();
        if (found.isEmpty() || !ExportStatusStore.RUNNING.equals(found.get().path("status").asText())) {
            JsonLog.warn("background export skipped: unknown or already finished", "export_id", exportId,
                    "request_id", requestId, "status", found.map(s -> s.path("status").asText()).orElse("none"));
            return;
        }
        ObjectNode status = found.get();
        JsonNode who = job.path("principal");
        Principal principal = new Principal(who.path("userId").asText(), who.path("role").asText(),
                who.path("clientId").asText(), null);
        ExportRequest request = null;
        try {
            request = parser.parse(job.path("request"), Set.of());
            Deadline deadline = Deadline.in(remaining(context).minus(SAFETY_MARGIN));
            ExportService.Plan plan = service.plan(principal, request, deadline);
            status.put("total", plan.total());
            ExportResult result = service.run(plan, exportId, Instant.parse(job.path("requested_at").asText()), deadline,
                    progressRecorder(status));
            status.put("status", ExportStatusStore.SUCCEEDED);
            status.put("rows_written", result.recordCount());
            status.set("result", Json.MAPPER.createObjectNode()
                    .put("key", result.key())
                    .put("filename", result.filename())
                    .put("file_format", result.format().extension())
                    .put("record_count", result.recordCount())
                    .put("size_bytes", result.sizeBytes())
                    .put("overflow_column", result.overflowColumn()));
            statusStore.put(status);
            audit(requestId, principal, request, "succeeded", result, null, started);
        } catch (RuntimeException e) {
            ApiException failure = e instanceof ApiException api ? api
                    : new ApiException(ErrorCode.INTERNAL, "Internal error; quote request id " + requestId + " when reporting it", e);
            status.put("status", ExportStatusStore.FAILED);
            status.set("error", Json.MAPPER.createObjectNode()
                    .put("status", failure.code().status())
                    .put("code", failure.code().name())
                    .put("message", failure.getMessage())
                    .put("request_id", requestId));
            statusStore.put(status);
            audit(requestId, principal, request, "failed", null, e, started);
        } finally {
            if (status.hasNonNull("must_finish_by")) {
                runningExports.remove(principal.userId(), exportId, Instant.parse(status.get("must_finish_by").asText()));
            }
        }
    }

    /** Records rows written every few seconds, unless another delivery has finished the export meanwhile. */
    private java.util.function.LongConsumer progressRecorder(ObjectNode status) {
        long[] lastWrite = {System.nanoTime()};
        return rows -> {
            if (System.nanoTime() - lastWrite[0] < PROGRESS_INTERVAL.toNanos()) {
                return;
            }
            lastWrite[0] = System.nanoTime();
            boolean stillRunning = statusStore.find(status.path("export_id").asText())
                    .map(current -> ExportStatusStore.RUNNING.equals(current.path("status").asText()))
                    .orElse(false);
            if (stillRunning) {
                status.put("rows_written", rows);
                statusStore.put(status);
            }
        };
    }

    /**
     * GET /exports/onboarding/{export_id}: only an admin, or its requester while still allowed to see
     * that data (the same role, and for a client user the same client as when it was made), learns
     * that it exists: a fresh link is signed for as long as the file is kept.
     */
    private APIGatewayProxyResponseEvent status(Principal principal, String exportId, String requestId) {
        Optional<ObjectNode> found = EXPORT_ID.matcher(exportId).matches() ? statusStore.find(exportId) : Optional.empty();
        if (found.isEmpty() || !mayRead(principal, found.get())) {
            throw new ApiException(ErrorCode.NOT_FOUND, "No such export");
        }
        ObjectNode status = found.get();
        String state = status.path("status").asText();
        ObjectNode body;
        if (ExportStatusStore.SUCCEEDED.equals(state)) {
            JsonNode result = status.path("result");
            body = service.signed(exportId, result.path("key").asText(), result.path("filename").asText(),
                    FileFormat.valueOf(result.path("file_format").asText().toUpperCase(java.util.Locale.ROOT)),
                    result.path("record_count").asLong(), result.path("size_bytes").asLong(),
                    result.path("overflow_column").textValue()).toJson();
            body.put("status", state);
        } else {
            body = Json.MAPPER.createObjectNode();
            body.put("export_id", exportId);
            body.put("status", state);
            if (ExportStatusStore.FAILED.equals(state)) {
                body.set("error", status.path("error"));
            } else {
                body.put("rows_written", status.path("rows_written").asLong());
                body.put("total", status.path("total").asLong());
            }
        }
        return response(200, body.toString(), requestId);
    }

    private boolean mayRead(Principal reader, ObjectNode status) {
        if (reader.role().equals(config.adminRole())) {
            return true;
        }
        return reader.userId().equals(status.path("owner_user_id").asText())
                && reader.role().equals(config.clientRole())
                && reader.role().equals(status.path("owner_role").asText())
                && !reader.clientId().isEmpty()
                && reader.clientId().equals(status.path("owner_client_id").asText());
    }

    /** Where to poll: the API's own URL when API Gateway says it, else the Host the caller used. */
    private static String statusUrl(APIGatewayProxyRequestEvent event, String exportId) {
        String path = "/exports/onboarding/" + exportId;
        var context = event.getRequestContext();
        if (context != null && context.getDomainName() != null && !context.getDomainName().isEmpty()) {
            String stage = context.getStage() == null ? "" : "/" + context.getStage();
            return "https://" + context.getDomainName() + stage + path;
        }
        String host = event.getHeaders() == null ? null : event.getHeaders().get("Host");
        return host == null ? path : "http://" + host + path;
    }

    /** One audit line per export: who, what, how many rows, how long, and how it ended. Never the data or the link. */
    private void audit(String requestId, Principal principal, ExportRequest request, String outcome,
                       ExportResult result, RuntimeException error, long startedNanos) {
        Object[] fields = {
                "request_id", requestId,
                "user_id", principal.userId(),
                "role", principal.role(),
                "client_id", principal.clientId(),
                "campaign_ids", request == null ? null : request.campaignIds(),
                "date_range", request == null ? null : request.dateRangeText(),
                "file_format", request == null ? null : request.format().extension(),
                "outcome", outcome,
                "export_id", result == null ? null : result.exportId(),
                "record_count", result == null ? null : result.recordCount(),
                "size_bytes", result == null ? null : result.sizeBytes(),
                "error_code", error instanceof ApiException api ? api.code().name() : error == null ? null : "INTERNAL",
                "duration_ms", (System.nanoTime() - startedNanos) / 1_000_000};
        if (error == null || (error instanceof ApiException api && api.code().status() < 500)) {
            JsonLog.info("export " + outcome, fields);
        } else {
            JsonLog.error("export " + outcome, error, fields);
        }
    }

    private static APIGatewayProxyResponseEvent response(int status, String body, String requestId) {
        return new APIGatewayProxyResponseEvent()
                .withStatusCode(status)
                .withHeaders(new java.util.HashMap<>(Map.of("Content-Type", "application/json",
                        "Cache-Control", "no-store",
                        "X-Request-Id", requestId)))
                .withBody(body)
                .withIsBase64Encoded(false);
    }

    private static String body(APIGatewayProxyRequestEvent event) {
        String body = event.getBody();
        if (body != null && Boolean.TRUE.equals(event.getIsBase64Encoded())) {
            try {
                return new String(Base64.getDecoder().decode(body), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw new ApiException(ErrorCode.INVALID_REQUEST, "Request body is not valid base64");
            }
        }
        return body;
    }

    private static String apiRequestId(APIGatewayProxyRequestEvent event, Context context) {
        if (event.getRequestContext() != null && event.getRequestContext().getRequestId() != null) {
            return event.getRequestContext().getRequestId();
        }
        return context.getAwsRequestId();
    }

    private static Duration remaining(Context context) {
        return Duration.ofMillis(context.getRemainingTimeInMillis());
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

}
