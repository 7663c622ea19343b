package com.onboardingexport.export.api;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.onboardingexport.export.config.ExportConfig;
import com.onboardingexport.export.lifecycle.ExportAudit;
import com.onboardingexport.export.lifecycle.ExportLifecycle;
import com.onboardingexport.export.lifecycle.ExportPriming;
import com.onboardingexport.export.model.ExportMode;
import com.onboardingexport.export.model.ExportRequest;
import com.onboardingexport.export.model.ExportResult;
import com.onboardingexport.export.model.FileAnswer;
import com.onboardingexport.export.model.Principal;
import com.onboardingexport.export.service.ExportService;
import com.onboardingexport.export.store.ConditionalStore;
import com.onboardingexport.export.store.ExportStorage;
import com.onboardingexport.export.store.RunningExports;
import com.onboardingexport.shared.ApiException;
import com.onboardingexport.shared.Deadline;
import com.onboardingexport.shared.ErrorCode;
import com.onboardingexport.shared.Json;
import com.onboardingexport.shared.JsonLog;
import com.onboardingexport.shared.LambdaMetrics;
import com.onboardingexport.shared.StrapiClient;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.crac.Core;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * The export API function: {@code POST /exports/onboarding} (an export, synchronous or handed to
 * the worker with a 202) and {@code GET /exports/onboarding/{export_id}} (a background export's
 * status). HTTP only; background and scheduled exports run in the worker function ({@code worker.ExportWorkerHandler}).
 */
public final class ExportHandler implements RequestHandler<APIGatewayProxyRequestEvent, APIGatewayProxyResponseEvent> {
    /** API Gateway stops waiting after 29 s; answer before that with a JSON 504 of our own. */
    private static final Duration API_TIME_BUDGET = Duration.ofSeconds(27);
    private static final Duration SAFETY_MARGIN = Duration.ofSeconds(1);
    /**
     * What an {@code auto} export keeps of its budget to hand itself over to the worker when it
     * runs short of time: a status write, a LIST, a marker and an asynchronous invocation, each a
     * few tens of milliseconds, with room to spare.
     */
    private static final Duration HAND_OVER_TIME = Duration.ofSeconds(2);

    private final ApiWiring parts;
    private ExportPriming priming;

    /** Used by the Lambda runtime: real clients, built once per container. */
    public ExportHandler() {
        this(S3Presigner.builder().build());
    }

    private ExportHandler(S3Presigner presigner) {
        this.parts = ApiWiring.fromEnvironment(presigner);
        // CRaC holds resources weakly: the field keeps the priming alive until the checkpoint.
        this.priming = new ExportPriming(parts.config(), presigner);
        Core.getGlobalContext().register(priming);
    }

    /** For tests and the local runner: every collaborator given. */
    public ExportHandler(ExportConfig config, StrapiClient strapi, S3Client s3, S3Presigner presigner,
                         BackgroundInvoker worker, EventBridgeClient eventBridge, Clock clock) {
        this.parts = ApiWiring.wire(config, strapi, s3, presigner, worker, eventBridge, clock);
    }

    /** For unit tests: the store, the files and the other collaborators given as stand-ins. */
    public ExportHandler(ExportConfig config, StrapiClient strapi, ConditionalStore store, ExportStorage files,
                         BackgroundInvoker worker, EventBridgeClient eventBridge, Clock clock) {
        this.parts = ApiWiring.wire(config, strapi, store, files, worker, eventBridge, clock);
    }

    @Override
    public APIGatewayProxyResponseEvent handleRequest(APIGatewayProxyRequestEvent event, Context context) {
        LambdaMetrics.beginInvocation(context);
        return handleApiRequest(event, context);
    }

    /** Every answer carries the CORS headers for an allowed origin; a preflight is answered here, without a user. */
    public APIGatewayProxyResponseEvent handleApiRequest(APIGatewayProxyRequestEvent event, Context context) {
        if ("OPTIONS".equals(event.getHttpMethod())) {
            return preflight(event, apiRequestId(event, context));
        }
        return parts.cors().apply(answer(event, context), event.getHeaders());
    }

    /**
     * A CORS preflight (no Authorization header: API Gateway routes it past the authorizer): 204
     * with what the browser may send for an allowed origin, else 403 without CORS headers, which
     * the browser reports as blocked.
     */
    private APIGatewayProxyResponseEvent preflight(APIGatewayProxyRequestEvent event, String requestId) {
        return parts.cors().allowedOrigin(event.getHeaders())
                .map(origin -> new APIGatewayProxyResponseEvent().withStatusCode(204)
                        .withHeaders(new HashMap<>(CorsPolicy.preflightHeaders(origin))))
                .orElseGet(() -> {
                    APIGatewayProxyResponseEvent refused = response(403, ApiException.errorBody(ErrorCode.FORBIDDEN,
                            "This origin may not call the API from a browser", requestId), requestId);
                    refused.getHeaders().put("Vary", "Origin");
                    return refused;
                });
    }

    /** One request and what is known of it so far, for the audit line and the clean-up of a refusal. */
    private static final class Exchange {
        final APIGatewayProxyRequestEvent event;
        final Context context;
        final String requestId;
        final Principal principal;
        final long started = System.nanoTime();
        ExportRequest request;
        IdempotentRequests.Claim claim;

        Exchange(APIGatewayProxyRequestEvent event, Context context, String requestId, Principal principal) {
            this.event = event;
            this.context = context;
            this.requestId = requestId;
            this.principal = principal;
        }
    }

    private APIGatewayProxyResponseEvent answer(APIGatewayProxyRequestEvent event, Context context) {
        Exchange exchange = new Exchange(event, context, apiRequestId(event, context), Principal.fromAuthorizerContext(
                event.getRequestContext() == null ? null : event.getRequestContext().getAuthorizer()));
        exchange.principal.putInLogContext();
        JsonLog.put("request_id", exchange.requestId);
        try {
            return route(exchange);
        } catch (ApiException e) {
            return refused(exchange, e);
        } catch (RuntimeException e) {
            release(exchange.claim);
            ExportAudit.log("sync", exchange.requestId, exchange.principal, exchange.request, "failed", null, e, exchange.started);
            return response(500, ApiException.errorBody(ErrorCode.INTERNAL,
                    "Internal error; quote request id " + exchange.requestId + " when reporting it", exchange.requestId), exchange.requestId);
        }
    }

    /** A status read or an export, for an authorised user. */
    private APIGatewayProxyResponseEvent route(Exchange exchange) {
        APIGatewayProxyRequestEvent event = exchange.event;
        if (exchange.principal.userId().isEmpty()) {
            throw new ApiException(ErrorCode.UNAUTHORIZED, "No authorised user on this request");
        }
        String statusOf = event.getPathParameters() == null ? null : event.getPathParameters().get("export_id");
        if ("GET".equals(event.getHttpMethod()) && statusOf != null) {
            if (ExportLifecycle.EXPORT_ID.matcher(statusOf).matches()) { // never log what a caller typed
                JsonLog.put("export_id", statusOf);
            }
            return response(200, json(parts.statusReader().status(exchange.principal, statusOf, exchange.requestId)), exchange.requestId);
        }
        if (!"POST".equals(event.getHttpMethod())) {
            throw new ApiException(ErrorCode.NOT_FOUND, "No such route");
        }
        return export(exchange);
    }

    /** {@code POST}: a replay of an idempotent request, a hand-over to the worker, or a synchronous export. */
    private APIGatewayProxyResponseEvent export(Exchange exchange) {
        exchange.request = parts.parser().parseBody(body(exchange.event));
        ExportRequest request = exchange.request;
        Optional<String> key = IdempotentRequests.key(exchange.event.getHeaders(), exchange.event.getMultiValueHeaders());
        if (key.isPresent()) {
            exchange.claim = parts.idempotency().claim(exchange.principal, key.get(), request, statusUrl(exchange.event, ""));
            if (exchange.claim.isReplay()) {
                return response(exchange.claim.replayStatus(), exchange.claim.replayBody().toString(), exchange.requestId);
            }
        }
        String exportId = exchange.claim == null ? ExportService.newExportId() : exchange.claim.exportId();
        JsonLog.put("export_id", exportId);
        Duration budget = min(API_TIME_BUDGET, remaining(exchange.context).minus(SAFETY_MARGIN));
        boolean auto = request.mode() == ExportMode.AUTO;
        // auto: the synchronous attempt stops early enough to hand the export over instead of a 504.
        Deadline deadline = Deadline.in(auto ? budget.minus(HAND_OVER_TIME) : budget);
        ExportService.Plan plan = parts.service().plan(exchange.principal, request, deadline);
        if (request.mode() == ExportMode.ASYNC || (auto && plan.total() > parts.config().asyncRowThreshold())) {
            return startInBackground(plan, exportId, exchange.event, exchange.requestId, exchange.principal, request, exchange.started);
        }
        if (plan.total() > parts.config().asyncRowThreshold()) {
            // No request holds a function (and Strapi) for up to 27 s on an export the worker should do.
            throw new ApiException(ErrorCode.INVALID_REQUEST, "Too many rows for a synchronous export (more than "
                    + parts.config().asyncRowThreshold() + "); send \"mode\": \"async\" (or \"auto\") and poll the status URL");
        }
        return exportSynchronously(exchange, plan, exportId, deadline, auto);
    }

    /** The export within this request, holding the same places as a background one until its answer. */
    private APIGatewayProxyResponseEvent exportSynchronously(Exchange exchange, ExportService.Plan plan, String exportId,
                                                             Deadline deadline, boolean auto) {
        Principal principal = exchange.principal;
        ExportResult result;
        // A synchronous export takes the same places as a background one, until its answer (or the function's timeout).
        Instant now = parts.clock().instant();
        parts.places().takeOrRefuse(principal, exportId, now.plusMillis(exchange.context.getRemainingTimeInMillis()), now);
        try {
            result = parts.service().run(plan, exportId, now, deadline, rows -> { });
        } catch (ApiException e) {
            parts.places().giveBack(principal, exportId);
            if (!auto || !deadline.expired() || e.code().status() < 500) {
                throw e;
            }
            // Out of time, not out of luck: the work done so far is redone in the worker.
            return startInBackground(plan, exportId, exchange.event, exchange.requestId, principal, exchange.request, exchange.started);
        } catch (RuntimeException | Error e) {
            parts.places().giveBack(principal, exportId);
            throw e;
        }
        parts.places().giveBack(principal, exportId);
        ExportAudit.log("sync", exchange.requestId, principal, exchange.request, "succeeded", result, null, exchange.started);
        parts.syncRecords().recordSync(principal, exchange.request, result, null, exchange.requestId, statusUrl(exchange.event, ""));
        return response(200, json(FileAnswer.of(result)), exchange.requestId);
    }

    /** The caller's mistake or a refusal: its JSON error, audited, recorded, with Retry-After where waiting helps. */
    private APIGatewayProxyResponseEvent refused(Exchange exchange, ApiException e) {
        release(exchange.claim);
        ExportAudit.log("sync", exchange.requestId, exchange.principal, exchange.request, "failed", null, e, exchange.started);
        if (exchange.request != null) {
            parts.syncRecords().recordSync(exchange.principal, exchange.request, null, e, exchange.requestId, statusUrl(exchange.event, ""));
        }
        APIGatewayProxyResponseEvent answer = response(e.code().status(), e.errorBody(exchange.requestId), exchange.requestId);
        if (e.code() == ErrorCode.TOO_MANY_EXPORTS) {
            answer.getHeaders().put("Retry-After", Integer.toString(RunningExports.RETRY_AFTER_SECONDS));
        } else if (e.code() == ErrorCode.IDEMPOTENCY_KEY_IN_USE) {
            answer.getHeaders().put("Retry-After", Integer.toString(IdempotentRequests.RETRY_AFTER_SECONDS));
        }
        return answer;
    }

    /** A request that made no export gives its idempotency key back, so its retry runs. */
    private void release(IdempotentRequests.Claim claim) {
        if (claim != null) {
            parts.idempotency().release(claim);
        }
    }

    private APIGatewayProxyResponseEvent startInBackground(ExportService.Plan plan, String exportId, APIGatewayProxyRequestEvent event,
                                                           String requestId, Principal principal, ExportRequest request, long started) {
        HandOver.Accepted accepted = parts.handOver().start(plan, exportId, requestId, statusUrl(event, ""));
        ExportAudit.log("async", requestId, principal, request, "started", accepted.exportId(), null, null, null, started);
        return response(202, json(accepted), requestId);
    }

    /** Where to poll (with the export id appended): the API's own URL when API Gateway says it, else the Host the caller used. */
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

    /** An answer's record as its JSON body. */
    private static String json(Object answer) {
        return Json.MAPPER.valueToTree(answer).toString();
    }

    private static APIGatewayProxyResponseEvent response(int status, String body, String requestId) {
        return new APIGatewayProxyResponseEvent()
                .withStatusCode(status)
                .withHeaders(new HashMap<>(Map.of("Content-Type", "application/json",
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
