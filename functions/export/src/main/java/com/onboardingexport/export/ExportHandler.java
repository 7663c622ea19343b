package com.onboardingexport.export;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.onboardingexport.shared.ApiException;
import com.onboardingexport.shared.AppSecrets;
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
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * The export Lambda. One handler for its entry points, told apart by the event's shape:
 * an API Gateway REST proxy event ({@code POST /exports/onboarding}) and a scheduled export
 * (EventBridge Scheduler's JSON input, recognised by {@code schedule_name}).
 */
public final class ExportHandler implements RequestStreamHandler {
    /** API Gateway stops waiting after 29 s; answer before that with a JSON 504 of our own. */
    private static final Duration API_TIME_BUDGET = Duration.ofSeconds(27);
    private static final Duration SAFETY_MARGIN = Duration.ofSeconds(1);
    private static final Pattern SCHEDULE_NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    private final ExportConfig config;
    private final ExportService service;
    private final ExportRequestParser parser;

    /** Used by the Lambda runtime: real clients, built once per container. */
    public ExportHandler() {
        this(ExportConfig.from(Env.system()), defaultClients());
    }

    private ExportHandler(ExportConfig config, Clients clients) {
        this(config, new StrapiClient(URI.create(config.strapiUrl()),
                        new AppSecrets(AwsClients.secretsManager(), config.secretId())::strapiApiToken,
                        StrapiClient.defaultHttpClient(Duration.ofSeconds(3)), config.strapiTimeout(), 3),
                new ExportStorage(clients.s3(), clients.presigner(), config.bucket()), Clock.systemUTC());
    }

    /** For tests and the local runner: every collaborator given. */
    public ExportHandler(ExportConfig config, StrapiClient strapi, ExportStorage storage, Clock clock) {
        this.config = config;
        this.service = new ExportService(config, strapi, storage, clock, Path.of(System.getProperty("java.io.tmpdir")));
        this.parser = new ExportRequestParser(config.maxCampaignIds(), clock);
    }

    private record Clients(S3Client s3, S3Presigner presigner) {
    }

    private static Clients defaultClients() {
        return new Clients(S3Client.builder().httpClient(UrlConnectionHttpClient.create()).build(),
                S3Presigner.builder().build());
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        JsonNode event = Json.MAPPER.readTree(input);
        Object answer;
        if (event != null && event.has("httpMethod")) {
            answer = handleApiRequest(Json.MAPPER.treeToValue(event, APIGatewayProxyRequestEvent.class), context);
        } else if (event != null && event.has("schedule_name")) {
            answer = handleScheduledExport(event, context);
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
            if (!"POST".equals(event.getHttpMethod())) {
                throw new ApiException(ErrorCode.NOT_FOUND, "No route " + event.getHttpMethod() + " " + event.getPath());
            }
            request = parser.parseBody(body(event));
            Deadline deadline = Deadline.in(min(API_TIME_BUDGET, remaining(context).minus(SAFETY_MARGIN)));
            ExportService.Plan plan = service.plan(principal, request, deadline);
            ExportResult result = service.run(plan, ExportService.newExportId(), deadline);
            audit(requestId, principal, request, "succeeded", result, null, started);
            return response(200, result.toJson().toString(), requestId);
        } catch (ApiException e) {
            audit(requestId, principal, request, "failed", null, e, started);
            return response(e.code().status(), e.errorBody(requestId), requestId);
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
            ExportResult result = service.run(plan, ExportService.newExportId(), deadline);
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
                .withHeaders(Map.of("Content-Type", "application/json",
                        "Cache-Control", "no-store",
                        "X-Request-Id", requestId))
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

    ExportConfig config() {
        return config;
    }
}
