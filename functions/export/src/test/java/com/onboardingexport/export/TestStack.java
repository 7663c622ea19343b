package com.onboardingexport.export;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import com.onboardingexport.export.api.BackgroundInvoker;
import com.onboardingexport.export.api.ExportHandler;
import com.onboardingexport.export.config.ExportConfig;
import com.onboardingexport.export.config.TestConfig;
import com.onboardingexport.export.failure.DeadLetterQueue;
import com.onboardingexport.export.failure.ExportFailureHandler;
import com.onboardingexport.export.store.ExportStorage;
import com.onboardingexport.export.store.InMemoryConditionalStore;
import com.onboardingexport.export.worker.ExportWorkerHandler;
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
public final class TestStack implements AutoCloseable {
    public static final Instant START = Instant.parse("2026-03-15T10:30:00Z");
    public static final String WORKER = "arn:aws:lambda:eu-west-1:123456789012:function:onboarding-export-worker:live";
    public static final String API_URL = "https://api.example.test/prod";
    public static final String DEAD_LETTER_QUEUE = "https://sqs.eu-west-1.amazonaws.com/123456789012/onboarding-export-dlq";

    /** Who calls: the authorizer's context. */
    public record Caller(String userId, String role, String clientId) {
    }

    public static final Caller ADMIN = new Caller("1", "admin", "");
    public static final Caller ACME_USER = new Caller("7", "client", FakeStrapi.ACME);
    public static final Caller ACME_COLLEAGUE = new Caller("9", "client", FakeStrapi.ACME);
    public static final Caller GLOBEX_USER = new Caller("8", "client", FakeStrapi.GLOBEX);

    public final InMemoryConditionalStore store = new InMemoryConditionalStore();
    public final FileBucket files = new FileBucket();
    public final RecordedEvents events = new RecordedEvents();
    /** The events the API function handed to the worker, as Lambda would deliver them. */
    public final List<JsonNode> handedOver = new CopyOnWriteArrayList<>();
    public final TestClock clock = new TestClock(START);
    public final FakeStrapi strapi;
    public final ExportConfig config;
    /** The failure records the failure function forwarded to the dead-letter queue. */
    public final RecordedQueue deadLetters = new RecordedQueue();
    private final S3Presigner presigner = S3Presigner.builder().region(Region.EU_WEST_1)
            .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDTEST", "test-secret"))).build();
    private final ExportHandler api;
    private final ExportWorkerHandler worker;
    private final ExportFailureHandler failure;
    private volatile boolean handOverFails;
    private int requests;

    /** A stack whose Strapi holds {@code responses} responses, with the template's defaults. */
    public TestStack(int responses) {
        this(responses, settings -> settings);
    }

    public TestStack(int responses, UnaryOperator<TestConfig.Builder> settings) {
        try {
            strapi = new FakeStrapi(responses);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        config = settings.apply(TestConfig.builder().strapiUrl(strapi.url()).bucket("exports-bucket")
                .set("WORKER_FUNCTION_NAME", WORKER).apiUrl(API_URL)).build();
        ExportStorage storage = new ExportStorage(files, presigner, config.bucket());
        BackgroundInvoker handOver = (function, event) -> {
            if (handOverFails) {
                throw new ApiException(ErrorCode.INTERNAL, "The background export could not be started");
            }
            handedOver.add(event);
        };
        api = new ExportHandler(config, strapi.client(), store, storage, handOver, events, clock);
        worker = new ExportWorkerHandler(config, strapi.client(), store, storage, events, clock);
        failure = new ExportFailureHandler(config, store, events, new DeadLetterQueue(deadLetters, DEAD_LETTER_QUEUE), clock);
    }

    /** From now on, handing an export to the worker fails as a refused invocation does. */
    public void handOverFails() {
        handOverFails = true;
    }

    /** {@code POST /exports/onboarding} with this body and extra headers, as API Gateway sends it after the authorizer. */
    public APIGatewayProxyResponseEvent post(Caller caller, String body, Map<String, String> headers) {
        APIGatewayProxyRequestEvent event = event(caller, "POST", "/exports/onboarding", headers).withBody(body);
        return api.handleRequest(event, new TestContext("lambda-" + nextRequest(), 29_000));
    }

    public APIGatewayProxyResponseEvent post(Caller caller, String body) {
        return post(caller, body, Map.of());
    }

    /** {@code GET /exports/onboarding/{export_id}}. */
    public APIGatewayProxyResponseEvent get(Caller caller, String exportId) {
        APIGatewayProxyRequestEvent event = event(caller, "GET", "/exports/onboarding/" + exportId, Map.of())
                .withPathParameters(Map.of("export_id", exportId));
        return api.handleRequest(event, new TestContext("lambda-" + nextRequest(), 29_000));
    }

    /** Runs the worker on an event as Lambda delivers it (JSON in, JSON out), with 15 minutes to go. */
    public JsonNode runWorker(JsonNode event, String lambdaRequestId) {
        return invoke(worker, event, lambdaRequestId);
    }

    /** Runs the failure function on Lambda's failure record, as the worker's on-failure destination receives it. */
    public JsonNode runFailure(JsonNode record) {
        return invoke(failure, record, "failure-" + nextRequest());
    }

    private static JsonNode invoke(RequestStreamHandler function, JsonNode event, String lambdaRequestId) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            function.handleRequest(new ByteArrayInputStream(event.toString().getBytes(StandardCharsets.UTF_8)), out,
                    new TestContext(lambdaRequestId, 900_000));
            return Json.MAPPER.readTree(out.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The only event handed to the worker so far. */
    public JsonNode onlyHandedOver() {
        if (handedOver.size() != 1) {
            throw new AssertionError("expected one hand-over, got " + handedOver);
        }
        return handedOver.get(0);
    }

    /** The status object of an export as stored, parsed; MissingNode when there is none. */
    public JsonNode storedStatus(String exportId) {
        return store.json("status/" + exportId + ".json").map(TestStack::json).orElse(Json.MAPPER.missingNode());
    }

    /** The keys of the places held now, every scope together. */
    public List<String> placesHeld() {
        return store.keys("running/");
    }

    public static JsonNode json(String text) {
        try {
            return Json.MAPPER.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static JsonNode body(APIGatewayProxyResponseEvent response) {
        return json(response.getBody());
    }

    /** An error answer: its HTTP status, and exactly {"error": {status, code, message, request_id}}; a null message is not checked. */
    public static void assertError(APIGatewayProxyResponseEvent response, int status, String code, String message) {
        assertEquals(status, response.getStatusCode(), response.getBody());
        JsonNode error = body(response).path("error");
        assertEquals(List.of("error"), fieldNames(body(response)));
        assertEquals(List.of("status", "code", "message", "request_id"), fieldNames(error));
        assertEquals(status, error.path("status").asInt(), response.getBody());
        assertEquals(code, error.path("code").asText(), response.getBody());
        assertEquals(response.getHeaders().get("X-Request-Id"), error.path("request_id").asText());
        if (message != null) {
            assertEquals(message, error.path("message").asText());
        }
    }

    /** The names of an object's fields, in order. */
    public static List<String> fieldNames(JsonNode node) {
        List<String> names = new java.util.ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
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
