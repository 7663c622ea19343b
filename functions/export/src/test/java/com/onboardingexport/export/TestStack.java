package com.onboardingexport.export;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.onboardingexport.shared.ApiException;
import com.onboardingexport.shared.ErrorCode;
import com.onboardingexport.shared.Json;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * The export function's parts as its handlers use them, wired on stand-ins: the conditional store
 * in memory, a fake Strapi, the files in memory (links really signed, offline), EventBridge and the
 * worker's invocations recorded, a clock that moves when told. API Gateway's proxy events and the
 * worker's events go in as Lambda gives them.
 */
final class TestStack implements AutoCloseable {
    static final Instant START = Instant.parse("2026-03-15T10:30:00Z");
    static final String WORKER = "arn:aws:lambda:eu-west-1:123456789012:function:onboarding-export-worker:live";
    static final String API_URL = "https://api.example.test/prod";

    /** Who calls: the authorizer's context. */
    record Caller(String userId, String role, String clientId) {
    }

    static final Caller ADMIN = new Caller("1", "admin", "");
    static final Caller ACME_USER = new Caller("7", "client", FakeStrapi.ACME);
    static final Caller ACME_COLLEAGUE = new Caller("9", "client", FakeStrapi.ACME);
    static final Caller GLOBEX_USER = new Caller("8", "client", FakeStrapi.GLOBEX);

    final InMemoryConditionalStore store = new InMemoryConditionalStore();
    final FileBucket files = new FileBucket();
    final RecordedEvents events = new RecordedEvents();
    /** The events the API function handed to the worker, as Lambda would deliver them. */
    final List<JsonNode> handedOver = new CopyOnWriteArrayList<>();
    final TestClock clock = new TestClock(START);
    final FakeStrapi strapi;
    final ExportConfig config;
    final ExportParts parts;
    private final S3Presigner presigner = S3Presigner.builder().region(Region.EU_WEST_1)
            .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDTEST", "test-secret"))).build();
    private volatile boolean handOverFails;
    private int requests;

    /** A stack whose Strapi holds {@code responses} responses, with the template's defaults. */
    TestStack(int responses) {
        this(responses, settings -> settings);
    }

    TestStack(int responses, UnaryOperator<TestConfig.Builder> settings) {
        try {
            strapi = new FakeStrapi(responses);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        config = settings.apply(TestConfig.builder().strapiUrl(strapi.url()).bucket("exports-bucket")
                .set("WORKER_FUNCTION_NAME", WORKER).apiUrl(API_URL)).build();
        BackgroundInvoker worker = (function, event) -> {
            if (handOverFails) {
                throw new ApiException(ErrorCode.INTERNAL, "The background export could not be started");
            }
            handedOver.add(event);
        };
        parts = ExportParts.wire(config, strapi.client(), store, new ExportStorage(files, presigner, config.bucket()), worker,
                new ExportEvents(events, config.eventBusName()), clock);
    }

    /** From now on, handing an export to the worker fails as a refused invocation does. */
    void handOverFails() {
        handOverFails = true;
    }

    ExportHandler api() {
        return new ExportHandler(parts);
    }

    ExportWorkerHandler worker() {
        return new ExportWorkerHandler(parts);
    }

    /** {@code POST /exports/onboarding} with this body and extra headers, as API Gateway sends it after the authorizer. */
    APIGatewayProxyResponseEvent post(Caller caller, String body, Map<String, String> headers) {
        APIGatewayProxyRequestEvent event = event(caller, "POST", "/exports/onboarding", headers).withBody(body);
        return api().handleRequest(event, new TestContext("lambda-" + nextRequest(), 29_000));
    }

    APIGatewayProxyResponseEvent post(Caller caller, String body) {
        return post(caller, body, Map.of());
    }

    /** {@code GET /exports/onboarding/{export_id}}. */
    APIGatewayProxyResponseEvent get(Caller caller, String exportId) {
        APIGatewayProxyRequestEvent event = event(caller, "GET", "/exports/onboarding/" + exportId, Map.of())
                .withPathParameters(Map.of("export_id", exportId));
        return api().handleRequest(event, new TestContext("lambda-" + nextRequest(), 29_000));
    }

    /** Runs the worker on an event as Lambda delivers it (JSON in, JSON out), with 15 minutes to go. */
    JsonNode runWorker(JsonNode event, String lambdaRequestId) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            worker().handleRequest(new ByteArrayInputStream(event.toString().getBytes(StandardCharsets.UTF_8)), out,
                    new TestContext(lambdaRequestId, 900_000));
            return Json.MAPPER.readTree(out.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The only event handed to the worker so far. */
    JsonNode onlyHandedOver() {
        if (handedOver.size() != 1) {
            throw new AssertionError("expected one hand-over, got " + handedOver);
        }
        return handedOver.get(0);
    }

    /** The status object of an export as stored, parsed; MissingNode when there is none. */
    JsonNode storedStatus(String exportId) {
        return store.json("status/" + exportId + ".json").map(TestStack::json).orElse(Json.MAPPER.missingNode());
    }

    /** The keys of the places held now, every scope together. */
    List<String> placesHeld() {
        return store.keys("running/");
    }

    static JsonNode json(String text) {
        try {
            return Json.MAPPER.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode body(APIGatewayProxyResponseEvent response) {
        return json(response.getBody());
    }

    private APIGatewayProxyRequestEvent event(Caller caller, String method, String path, Map<String, String> headers) {
        Map<String, Object> authorizer = new HashMap<>();
        authorizer.put("userId", caller.userId());
        authorizer.put("role", caller.role());
        authorizer.put("clientId", caller.clientId());
        APIGatewayProxyRequestEvent.ProxyRequestContext context = new APIGatewayProxyRequestEvent.ProxyRequestContext()
                .withRequestId("api-" + nextRequest()).withDomainName("api.example.test").withStage("prod");
        context.setAuthorizer(authorizer);
        Map<String, String> allHeaders = new HashMap<>(headers);
        allHeaders.putIfAbsent("Content-Type", "application/json");
        return new APIGatewayProxyRequestEvent().withHttpMethod(method).withPath(path).withResource(path)
                .withHeaders(allHeaders).withRequestContext(context);
    }

    private synchronized int nextRequest() {
        return ++requests;
    }

    @Override
    public void close() {
        strapi.close();
        presigner.close();
    }
}
