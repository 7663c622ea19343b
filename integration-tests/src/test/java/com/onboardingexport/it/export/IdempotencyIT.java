package com.onboardingexport.it.export;

import static com.onboardingexport.it.export.ExportFixture.error;
import static com.onboardingexport.it.export.ExportFixture.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.onboardingexport.export.api.ExportHandler;
import com.onboardingexport.it.RealParts;
import com.onboardingexport.shared.Json;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/** Idempotency-Key on POST /exports/onboarding, against the real Strapi, S3Proxy and moto. */
class IdempotencyIT {
    private static final String ASYNC = "{\"mode\":\"async\",\"date_range\":\"all_time\"}";
    private static final String SYNC = "{\"mode\":\"sync\",\"date_range\":\"all_time\"}";

    private final ExportFixture fixture = new ExportFixture();
    private final RealParts parts = fixture.parts;

    private ExportHandler handler(List<JsonNode> started) {
        return fixture.recordingHandler(started);
    }

    private static APIGatewayProxyRequestEvent keyed(String user, String key, String body) {
        APIGatewayProxyRequestEvent request = ExportFixture.request(user, "admin", "", body);
        Map<String, String> headers = new HashMap<>(request.getHeaders());
        headers.put("Idempotency-Key", key);
        return request.withHeaders(headers);
    }

    /** A user of its own, so other tests' exports and places never count here. */
    private static String newUser() {
        return "i" + UUID.randomUUID().toString().substring(0, 8);
    }

    private List<String> keys(String prefix) {
        try (S3Client s3 = parts.s3.client()) {
            return s3.listObjectsV2Paginator(b -> b.bucket(RealParts.BUCKET).prefix(prefix)).contents().stream()
                    .map(S3Object::key).toList();
        }
    }

    private static String exportId(APIGatewayProxyResponseEvent response) throws Exception {
        return Json.MAPPER.readTree(response.getBody()).path("export_id").asText();
    }

    @Test
    @DisplayName("two POSTs with one key at the same instant, in two function instances: one background export, one place of the limit, one export id")
    void concurrentRetriesMakeOneExport() throws Exception {
        List<JsonNode> started = new CopyOnWriteArrayList<>();
        String user = newUser();
        String key = UUID.randomUUID().toString();
        List<ExportHandler> instances = List.of(handler(started), handler(started));
        CyclicBarrier together = new CyclicBarrier(instances.size());
        ExecutorService pool = Executors.newFixedThreadPool(instances.size());
        List<APIGatewayProxyResponseEvent> answers = new ArrayList<>();
        try {
            List<Future<APIGatewayProxyResponseEvent>> futures = new ArrayList<>();
            for (ExportHandler instance : instances) {
                futures.add(pool.submit(() -> {
                    together.await();
                    return fixture.send(instance, keyed(user, key, ASYNC));
                }));
            }
            for (var future : futures) {
                answers.add(future.get(2, TimeUnit.MINUTES));
            }
        } finally {
            pool.shutdownNow();
        }
        Set<String> exportIds = new HashSet<>();
        int accepted = 0;
        for (APIGatewayProxyResponseEvent answer : answers) {
            if (answer.getStatusCode() == 409) {
                // The other request held the key but had no export to show yet: retry, as Retry-After says.
                error(answer, 409, "IDEMPOTENCY_KEY_IN_USE");
                assertEquals("2", answer.getHeaders().get("Retry-After"));
                continue;
            }
            assertEquals(202, answer.getStatusCode(), answer.getBody());
            accepted++;
            exportIds.add(exportId(answer));
        }
        assertTrue(accepted >= 1, "one of them started the export");
        assertEquals(1, exportIds.size(), "both 202s name the same export: " + exportIds);
        String exportId = exportIds.iterator().next();
        assertEquals(1, started.size(), "one export went to the worker");
        assertEquals(1, keys("running/user-" + user + "/").size(), "one place of the user's limit is taken");

        // A retry now gets the same running export, and still takes no place.
        APIGatewayProxyResponseEvent retry = fixture.send(instances.get(1), keyed(user, key, ASYNC));
        assertEquals(202, retry.getStatusCode(), retry.getBody());
        assertEquals(exportId, exportId(retry));
        assertEquals(1, started.size());
        // The limit (2) has one place left: one more export of the user starts, the next is refused.
        assertEquals(202, fixture.send(instances.get(0), ExportFixture.request(user, "admin", "", ASYNC)).getStatusCode());
        error(fixture.send(instances.get(0), ExportFixture.request(user, "admin", "", ASYNC)), 429, "TOO_MANY_EXPORTS");

        // Once the worker has run it, a retry is the 200 of the export with a freshly signed link.
        ExportFixture.runJob(fixture.worker(), started.get(0), Duration.ofMinutes(2));
        Instant beforeRetry = Instant.now().minusSeconds(1);
        JsonNode done = ok(fixture.send(instances.get(0), keyed(user, key, ASYNC)));
        assertEquals(exportId, done.path("export_id").asText(), done.toString());
        assertFalse(done.has("status"), "the shape of a synchronous export's 200: " + done);
        assertFalse(Instant.parse(done.path("expires_at").asText()).isBefore(beforeRetry.plusSeconds(900)), "signed now: " + done);
        assertEquals(200, fixture.download(done.path("download_url").asText()).statusCode());
        assertEquals(2, started.size(), "no second export of the key");
    }

    @Test
    @DisplayName("a retry after a synchronous export finished: the same export id and a freshly signed link, no second file")
    void retryOfFinishedSyncExport() throws Exception {
        ExportHandler handler = fixture.handler();
        String user = newUser();
        String key = "retry-" + UUID.randomUUID();
        JsonNode first = ok(fixture.send(handler, keyed(user, key, SYNC)));
        Thread.sleep(1_100); // links are signed to the second: the next one differs

        // The same request, written otherwise (key order, spacing, a default spelled out): the same export.
        JsonNode again = ok(fixture.send(handler, keyed(user, key, "{ \"date_range\": \"all_time\", \"file_format\": \"csv\", \"mode\": \"sync\" }")));
        assertEquals(first.path("export_id").asText(), again.path("export_id").asText());
        assertNotEquals(first.path("download_url").asText(), again.path("download_url").asText(), "a freshly signed link");
        assertTrue(Instant.parse(again.path("expires_at").asText()).isAfter(Instant.parse(first.path("expires_at").asText())));
        assertEquals(first.path("filename").asText(), again.path("filename").asText());
        assertEquals(first.path("record_count").asLong(), again.path("record_count").asLong());
        assertEquals(200, fixture.download(again.path("download_url").asText()).statusCode());
        assertEquals(1, keys("exports/user-" + user + "/").size(), "one file: " + keys("exports/user-" + user + "/"));
    }

    @Test
    @DisplayName("the same key with another request is a 422 IDEMPOTENCY_KEY_REUSED; another user's same key is its own export")
    void keyReusedOrOtherUser() throws Exception {
        ExportHandler handler = fixture.handler();
        String user = newUser();
        String key = "shared-" + UUID.randomUUID();
        String exportId = ok(fixture.send(handler, keyed(user, key, SYNC))).path("export_id").asText();

        JsonNode reused = error(fixture.send(handler, keyed(user, key, "{\"mode\":\"sync\",\"date_range\":\"all_time\",\"file_format\":\"json\"}")),
                422, "IDEMPOTENCY_KEY_REUSED");
        assertTrue(reused.path("message").asText().contains("Idempotency-Key was used with another request"), reused.toString());
        assertEquals(1, keys("exports/user-" + user + "/").size(), "no export for the refused request");

        String other = newUser();
        JsonNode theirs = ok(fixture.send(handler, keyed(other, key, SYNC)));
        assertNotEquals(exportId, theirs.path("export_id").asText());
        assertTrue(theirs.path("download_url").asText().contains("user-" + other + "/"), theirs.toString());
        assertEquals(1, keys("exports/user-" + other + "/").size());
    }

    @Test
    @DisplayName("a request refused without an export releases its key: its retry runs (here, refused again the same way)")
    void refusedRequestReleasesItsKey() throws Exception {
        ExportHandler handler = fixture.handler();
        String user = newUser();
        String key = UUID.randomUUID().toString();
        String nothing = "{\"mode\":\"sync\",\"date_range\":\"2001-01-01/2001-01-02\"}";
        error(fixture.send(handler, keyed(user, key, nothing)), 404, "NO_DATA");
        error(fixture.send(handler, keyed(user, key, nothing)), 404, "NO_DATA");
        error(fixture.send(handler, keyed(user, key, SYNC)), 422, "IDEMPOTENCY_KEY_REUSED");
    }

    @Test
    @DisplayName("a key of 256 characters, an empty one or one outside printable ASCII is a 400 INVALID_REQUEST; 255 is accepted")
    void keyFormat() throws Exception {
        ExportHandler handler = fixture.handler();
        String user = newUser();
        for (String bad : List.of("k".repeat(256), "", "clé-" + UUID.randomUUID(), "tab\there")) {
            JsonNode invalid = error(fixture.send(handler, keyed(user, bad, SYNC)), 400, "INVALID_REQUEST");
            assertTrue(invalid.path("message").asText().contains("Idempotency-Key"), invalid.toString());
        }
        assertEquals(List.of(), keys("idempotency/user-" + user + "/"), "no key recorded");
        assertEquals(List.of(), keys("exports/user-" + user + "/"), "no export made");
        String longest = UUID.randomUUID() + "k".repeat(255 - 36);
        ok(fixture.send(handler, keyed(user, longest, SYNC)));
        assertEquals(1, keys("idempotency/user-" + user + "/").size());
    }
}
