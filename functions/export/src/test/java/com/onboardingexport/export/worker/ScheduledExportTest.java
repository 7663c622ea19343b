package com.onboardingexport.export.worker;

import static com.onboardingexport.export.TestStack.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.onboardingexport.export.TestStack;
import com.onboardingexport.shared.ApiException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Scheduled exports in the worker, and the high-water marks of {@code since_last_run} schedules:
 * read, moved after a success only, the legacy layout read once, a stale tick, a second delivery,
 * and a race between two runs.
 */
class ScheduledExportTest {
    private static final String LEGACY_MARK = "schedules/nightly/high-water.json";
    private final TestStack stack = new TestStack(6);

    @AfterEach
    void close() {
        stack.close();
    }

    private static JsonNode tick(String scheduledTime) {
        return json("{\"schedule_name\":\"nightly\",\"client_id\":\"acme\",\"scheduled_time\":\"" + scheduledTime
                + "\",\"date_range\":\"since_last_run\",\"file_format\":\"csv\"}");
    }

    /** The one mark of the schedule's definition (its key names the SHA-256 of the input). */
    private JsonNode mark() {
        List<String> keys = stack.store.keys("schedules/nightly/").stream().filter(k -> !k.equals(LEGACY_MARK)).toList();
        assertEquals(1, keys.size(), keys.toString());
        assertTrue(keys.get(0).matches("schedules/nightly/[0-9a-f]{64}/high-water\\.json"), keys.get(0));
        return json(stack.store.json(keys.get(0)).orElseThrow());
    }

    /** The window the run asked Strapi for: the bounds of its filter on updatedAt. */
    private String lastWindow() {
        String query = stack.strapi.queries().get(stack.strapi.queries().size() - 1);
        return between(query, "filters[updatedAt][$gte]=") + "/" + between(query, "filters[updatedAt][$lt]=");
    }

    private static String between(String query, String key) {
        int at = query.indexOf(key);
        assertTrue(at >= 0, query);
        int end = query.indexOf('&', at);
        return query.substring(at + key.length(), end < 0 ? query.length() : end);
    }

    @Test
    @DisplayName("first run: the window from first_run (7 days by default) to the tick; then the mark moves to the tick, and the next run starts there")
    void marksMoveRunByRun() {
        JsonNode answer = stack.runWorker(tick("2026-03-15T07:00:00Z"), "scheduled-1");

        assertEquals("2026-03-08T07:00:00Z/2026-03-15T07:00:00Z", lastWindow());
        assertEquals("succeeded", answer.path("status").asText());
        assertEquals("nightly", answer.path("schedule_name").asText());
        assertEquals(3, answer.path("record_count").asLong(), "acme's responses only");
        assertTrue(answer.path("download_url").isMissingNode(), "the worker's answer carries no link");
        JsonNode mark = mark();
        assertEquals("nightly", mark.path("schedule_name").asText());
        assertEquals("2026-03-15T07:00:00Z", mark.path("exported_until").asText());
        assertEquals(answer.path("export_id").asText(), mark.path("export_id").asText());
        JsonNode status = stack.storedStatus(answer.path("export_id").asText());
        assertTrue(status.path("result").path("key").asText().startsWith("scheduled/nightly/" + answer.path("export_id").asText() + "/"),
                status.toString());
        assertEquals("schedule:nightly", status.path("owner_user_id").asText());
        assertEquals("system", status.path("owner_role").asText());
        assertEquals("scheduled-1", status.path("worker_request_id").asText());
        assertEquals("scheduled", stack.events.events().get(0).detail().path("mode").asText());

        stack.clock.advance(Duration.ofDays(1));
        stack.runWorker(tick("2026-03-16T07:00:00Z"), "scheduled-2");

        assertEquals("2026-03-15T07:00:00Z/2026-03-16T07:00:00Z", lastWindow());
        assertEquals("2026-03-16T07:00:00Z", mark().path("exported_until").asText());
    }

    @Test
    @DisplayName("a mark kept before marks were per definition is where the first run starts, once; it is never written")
    void legacyMarkReadOnce() {
        String legacy = "{\"schedule_name\":\"nightly\",\"exported_until\":\"2026-03-14T07:00:00Z\",\"export_id\":\"old\"}";
        stack.store.put(LEGACY_MARK, legacy);

        stack.runWorker(tick("2026-03-15T07:00:00Z"), "scheduled-1");
        assertEquals("2026-03-14T07:00:00Z/2026-03-15T07:00:00Z", lastWindow());
        stack.store.put(LEGACY_MARK, legacy.replace("2026-03-14", "2026-03-01"));
        stack.clock.advance(Duration.ofDays(1));
        stack.runWorker(tick("2026-03-16T07:00:00Z"), "scheduled-2");

        assertEquals("2026-03-15T07:00:00Z/2026-03-16T07:00:00Z", lastWindow());
        assertEquals(legacy.replace("2026-03-14", "2026-03-01"), stack.store.json(LEGACY_MARK).orElseThrow());
    }

    @Test
    @DisplayName("a tick no later than the mark (a late delivery): succeeded with nothing, saying so; Strapi not asked, the mark unmoved")
    void staleTick() {
        String mark = "{\"schedule_name\":\"nightly\",\"exported_until\":\"2026-03-15T08:00:00Z\",\"export_id\":\"later\"}";
        stack.store.put(LEGACY_MARK, mark);

        JsonNode answer = stack.runWorker(tick("2026-03-15T07:00:00Z"), "scheduled-1");

        assertEquals("succeeded", answer.path("status").asText());
        assertEquals(0, answer.path("record_count").asLong());
        assertEquals("Nothing to export: this schedule has exported until 2026-03-15T08:00:00Z, past this tick",
                answer.path("message").asText());
        assertEquals(List.of(), stack.strapi.queries());
        assertEquals(List.of(LEGACY_MARK), stack.store.keys("schedules/"));
        assertEquals(1, stack.events.events().size());
    }

    @Test
    @DisplayName("nothing new since the mark: succeeded with no file, saying so, and the mark moves on")
    void nothingNew() {
        stack.strapi.setResponses(0);

        JsonNode answer = stack.runWorker(tick("2026-03-15T07:00:00Z"), "scheduled-1");

        assertEquals("succeeded", answer.path("status").asText());
        assertEquals("No onboarding responses new since 2026-03-08T07:00:00Z", answer.path("message").asText());
        assertTrue(stack.files.objects().isEmpty());
        assertEquals("2026-03-15T07:00:00Z", mark().path("exported_until").asText());
    }

    @Test
    @DisplayName("a failed run moves no mark: the next run covers its window")
    void failedRunMovesNoMark() {
        stack.strapi.failWith(500);

        assertThrows(ApiException.class, () -> stack.runWorker(tick("2026-03-15T07:00:00Z"), "scheduled-1"));

        assertEquals(List.of(), stack.store.keys("schedules/"));
    }

    @Test
    @DisplayName("a second delivery of a tick answers the first one's status and runs nothing")
    void secondDeliveryOfATick() {
        JsonNode first = stack.runWorker(tick("2026-03-15T07:00:00Z"), "scheduled-1");
        int queries = stack.strapi.queries().size();

        JsonNode second = stack.runWorker(tick("2026-03-15T07:00:00Z"), "scheduled-2");

        assertEquals(first, second);
        assertEquals(queries, stack.strapi.queries().size());
        assertEquals(1, stack.events.events().size());
    }

    @Test
    @DisplayName("one tick delivered twice at once and a third time 50 minutes late: one status, one file, one event, the on-time window")
    void tickDeliveredTwiceAtOnceAndLate() {
        JsonNode[] other = new JsonNode[1];
        stack.store.beforeNextWrite("status/", () -> other[0] = stack.runWorker(tick("2026-03-15T07:00:00Z"), "scheduled-2"));

        JsonNode mine = stack.runWorker(tick("2026-03-15T07:00:00Z"), "scheduled-1");
        stack.clock.advance(Duration.ofMinutes(50));
        JsonNode late = stack.runWorker(tick("2026-03-15T07:00:00Z"), "scheduled-3");

        assertEquals(other[0], mine);
        assertEquals(other[0], late);
        assertEquals("succeeded", mine.path("status").asText());
        assertEquals("scheduled-2", stack.storedStatus(mine.path("export_id").asText()).path("worker_request_id").asText());
        assertEquals(1, stack.files.objects().size());
        assertEquals(1, stack.events.events().size());
        assertEquals("2026-03-08T07:00:00Z/2026-03-15T07:00:00Z", lastWindow());
    }

    @Test
    @DisplayName("another run moves the mark first: this run's mark write is refused; its export stands, the other's mark stays")
    void markRace() {
        String rival = "{\"schedule_name\":\"nightly\",\"exported_until\":\"2026-03-15T09:00:00Z\",\"export_id\":\"other\"}";
        stack.store.beforeNextWrite("schedules/", key -> stack.store.create(key, rival));

        JsonNode answer = stack.runWorker(tick("2026-03-15T07:00:00Z"), "scheduled-1");

        assertEquals("succeeded", answer.path("status").asText());
        assertEquals("other", mark().path("export_id").asText());
        assertEquals("2026-03-15T09:00:00Z", mark().path("exported_until").asText());
    }

    @Test
    @DisplayName("a schedule of one client is read by that client's users and the admins; a schedule of every client by the admins only")
    void whoReadsAScheduledExport() {
        String acmes = stack.runWorker(tick("2026-03-15T07:00:00Z"), "scheduled-1").path("export_id").asText();
        String everyones = stack.runWorker(json("{\"schedule_name\":\"weekly\",\"scheduled_time\":\"2026-03-15T07:00:00Z\"}"),
                "scheduled-2").path("export_id").asText();

        assertEquals(200, stack.get(TestStack.ACME_COLLEAGUE, acmes).getStatusCode());
        assertEquals(200, stack.get(TestStack.ADMIN, acmes).getStatusCode());
        TestStack.assertError(stack.get(TestStack.GLOBEX_USER, acmes), 404, "NOT_FOUND", "No such export");
        assertEquals(200, stack.get(TestStack.ADMIN, everyones).getStatusCode());
        TestStack.assertError(stack.get(TestStack.ACME_USER, everyones), 404, "NOT_FOUND", "No such export");
        assertTrue(TestStack.body(stack.get(TestStack.ACME_USER, acmes)).path("download_url").asText().startsWith(
                "https://exports-bucket.s3.eu-west-1.amazonaws.com/scheduled/nightly/" + acmes + "/"), "the status signs a link");
    }

    @Test
    @DisplayName("a tick more than 5 minutes ahead of the clock is refused before anything is written")
    void tickFromTheFuture() {
        assertThrows(IllegalArgumentException.class, () -> stack.runWorker(tick("2026-03-15T10:35:01Z"), "scheduled-1"));

        assertEquals(List.of(), stack.store.keys(""));
    }
}
