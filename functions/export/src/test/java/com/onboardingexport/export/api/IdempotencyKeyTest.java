package com.onboardingexport.export.api;

import static com.onboardingexport.export.TestStack.assertError;
import static com.onboardingexport.export.TestStack.ACME_COLLEAGUE;
import static com.onboardingexport.export.TestStack.ACME_USER;
import static com.onboardingexport.export.TestStack.body;
import static com.onboardingexport.export.TestStack.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.onboardingexport.export.TestStack;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** {@code Idempotency-Key} through the API function: claim, replay, conflict, in use, release, take-over, and two requests at once. */
class IdempotencyKeyTest {
    private static final Map<String, String> KEY = Map.of("Idempotency-Key", "order-42");
    private static final String SYNC = "{\"date_range\":\"last_7_days\"}";
    private static final String ASYNC = "{\"date_range\":\"last_7_days\",\"mode\":\"async\"}";
    private final TestStack stack = new TestStack(6);

    @AfterEach
    void close() {
        stack.close();
    }

    private JsonNode record() {
        String key = IdempotentRequests.recordKey("7", "order-42");
        return json(stack.store.json(key).orElseThrow());
    }

    @Test
    @DisplayName("claim, then replay: the same export and a freshly signed link, no second file, status or event")
    void claimThenReplay() {
        APIGatewayProxyResponseEvent first = stack.post(ACME_USER, SYNC, KEY);
        assertEquals(200, first.getStatusCode(), first.getBody());
        String exportId = body(first).path("export_id").asText();
        assertEquals(exportId, record().path("export_id").asText());
        assertTrue(record().path("request_hash").asText().matches("[0-9a-f]{64}"));
        assertEquals("2026-03-15T10:30:00Z", record().path("recorded_at").asText());

        stack.clock.advance(Duration.ofMinutes(5));
        APIGatewayProxyResponseEvent replay = stack.post(ACME_USER, "{ \"file_format\": \"csv\", \"date_range\": \"last_7_days\" }", KEY);

        assertEquals(200, replay.getStatusCode(), replay.getBody());
        assertEquals(exportId, body(replay).path("export_id").asText());
        assertEquals("2026-03-15T10:50:00Z", body(replay).path("expires_at").asText(), "signed anew");
        assertEquals(1, stack.files.objects().size());
        assertEquals(List.of("status/" + exportId + ".json"), stack.store.keys("status/"));
        assertEquals(1, stack.events.events().size());
    }

    @Test
    @DisplayName("the same key with another request: 422 IDEMPOTENCY_KEY_REUSED; another user's key is another key")
    void conflict() {
        String exportId = body(stack.post(ACME_USER, SYNC, KEY)).path("export_id").asText();

        assertError(stack.post(ACME_USER, "{\"date_range\":\"last_30_days\"}", KEY), 422, "IDEMPOTENCY_KEY_REUSED",
                "This Idempotency-Key was used with another request in the last 24 hours; use a new key for a new request");
        APIGatewayProxyResponseEvent colleague = stack.post(ACME_COLLEAGUE, SYNC, KEY);
        assertEquals(200, colleague.getStatusCode());
        assertNotEquals(exportId, body(colleague).path("export_id").asText());
    }

    @Test
    @DisplayName("a key whose request has no export to show yet: 409 IDEMPOTENCY_KEY_IN_USE, Retry-After 2; after 60 s it is taken over")
    void inUseThenAbandoned() {
        stack.post(ACME_USER, SYNC, KEY);
        JsonNode held = record();
        // The request that holds it died before its export had a status.
        stack.store.put(IdempotentRequests.recordKey("7", "order-42"), "{\"request_hash\":\"" + held.path("request_hash").asText()
                + "\",\"export_id\":\"0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d\",\"recorded_at\":\"2026-03-15T10:30:00Z\"}");

        APIGatewayProxyResponseEvent inUse = stack.post(ACME_USER, SYNC, KEY);
        assertError(inUse, 409, "IDEMPOTENCY_KEY_IN_USE", "A request with this Idempotency-Key is still being answered; retry in 2 seconds");
        assertEquals("2", inUse.getHeaders().get("Retry-After"));

        stack.clock.advance(Duration.ofSeconds(60));
        APIGatewayProxyResponseEvent takenOver = stack.post(ACME_USER, SYNC, KEY);
        assertEquals(200, takenOver.getStatusCode(), takenOver.getBody());
        assertEquals(body(takenOver).path("export_id").asText(), record().path("export_id").asText());
    }

    @Test
    @DisplayName("a request that made no export releases its key: the retry runs the export")
    void releasedAfterARefusal() {
        stack.strapi.setResponses(0);
        assertError(stack.post(ACME_USER, SYNC, KEY), 404, "NO_DATA", null);
        assertTrue(record().path("export_id").isMissingNode(), "released: " + record());

        stack.strapi.setResponses(6);
        APIGatewayProxyResponseEvent retry = stack.post(ACME_USER, SYNC, KEY);

        assertEquals(200, retry.getStatusCode(), retry.getBody());
        assertEquals(body(retry).path("export_id").asText(), record().path("export_id").asText());
    }

    @Test
    @DisplayName("a synchronous export whose file cannot be stored: 500 STORAGE_ERROR, its places given back, its key released, its event put")
    void failedExportReleasesItsKey() {
        stack.files.refusePuts();

        assertError(stack.post(ACME_USER, SYNC, KEY), 500, "STORAGE_ERROR", "The export file could not be stored");

        assertTrue(record().path("export_id").isMissingNode(), "released: " + record());
        assertEquals(List.of(), stack.placesHeld());
        assertEquals(List.of(), stack.store.keys("status/"), "a failed synchronous export leaves no status");
        assertEquals("STORAGE_ERROR", stack.events.events().get(0).detail().path("error_code").asText());
    }

    @Test
    @DisplayName("a background export: its 202 is replayed while it runs; once it failed, a retry runs it anew under a new id")
    void backgroundReplayAndFailedRetry() {
        APIGatewayProxyResponseEvent accepted = stack.post(ACME_USER, ASYNC, KEY);
        assertEquals(202, accepted.getStatusCode());
        APIGatewayProxyResponseEvent replay = stack.post(ACME_USER, ASYNC, KEY);
        assertEquals(202, replay.getStatusCode());
        assertEquals(body(accepted), body(replay));
        assertEquals(1, stack.handedOver.size());

        stack.strapi.setResponses(0);
        stack.runWorker(stack.onlyHandedOver(), "worker-1");
        stack.strapi.setResponses(6);
        APIGatewayProxyResponseEvent retry = stack.post(ACME_USER, ASYNC, KEY);

        assertEquals(202, retry.getStatusCode());
        assertNotEquals(body(accepted).path("export_id"), body(retry).path("export_id"));
        assertEquals(2, stack.handedOver.size());
    }

    @Test
    @DisplayName("two requests with one key at once: the one that records the key runs the export, the other gets that export")
    void twoRequestsAtOnce() {
        APIGatewayProxyResponseEvent[] other = new APIGatewayProxyResponseEvent[1];
        stack.store.beforeNextWrite("idempotency/", () -> other[0] = stack.post(ACME_USER, SYNC, KEY));

        APIGatewayProxyResponseEvent mine = stack.post(ACME_USER, SYNC, KEY);

        assertEquals(200, other[0].getStatusCode(), other[0].getBody());
        assertEquals(200, mine.getStatusCode(), mine.getBody());
        assertEquals(body(other[0]).path("export_id"), body(mine).path("export_id"));
        assertEquals(1, stack.files.objects().size());
    }

    @Test
    @DisplayName("two background POSTs with one key at once: one export handed over, one place of the limit, one export id")
    void twoBackgroundRequestsAtOnce() {
        APIGatewayProxyResponseEvent[] other = new APIGatewayProxyResponseEvent[1];
        stack.store.beforeNextWrite("idempotency/", () -> other[0] = stack.post(ACME_USER, ASYNC, KEY));

        APIGatewayProxyResponseEvent mine = stack.post(ACME_USER, ASYNC, KEY);

        assertEquals(202, other[0].getStatusCode(), other[0].getBody());
        assertEquals(202, mine.getStatusCode(), mine.getBody());
        assertEquals(body(other[0]), body(mine));
        assertEquals(1, stack.handedOver.size());
        assertEquals(List.of("running/client-acme/place-0.json", "running/user-7/place-0.json"), stack.placesHeld());
    }
}
