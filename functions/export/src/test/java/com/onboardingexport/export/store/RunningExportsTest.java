package com.onboardingexport.export.store;

import static com.onboardingexport.export.TestStack.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.onboardingexport.export.TestClock;
import com.onboardingexport.export.model.Principal;
import com.onboardingexport.shared.ApiException;
import com.onboardingexport.shared.ErrorCode;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The places of running exports: taken, refused at each limit, given back, taken over once expired, and raced for. */
class RunningExportsTest {
    private static final Instant NOW = Instant.parse("2026-03-15T10:30:00Z");
    private static final Instant LATER = NOW.plus(Duration.ofMinutes(20));
    private static final Principal ANN = new Principal("7", "client", "acme", null);
    private static final Principal BOB = new Principal("9", "client", "acme", null);
    private static final Principal CAL = new Principal("11", "client", "acme", null);
    private static final Principal DEE = new Principal("12", "client", "acme", null);

    private final InMemoryConditionalStore store = new InMemoryConditionalStore();
    private final RunningExports places = new RunningExports(store, new RunningExports.Limits(2, 3, 2, "admin"), new TestClock(NOW));

    private String exportOf(String key) {
        return json(store.json(key).orElseThrow()).path("export_id").asText();
    }

    @Test
    @DisplayName("a user's places: the first two exports take one each, the third is refused 429 saying the user's limit")
    void perUserLimit() {
        places.takeOrRefuse(ANN, "e1", LATER, NOW);
        places.takeOrRefuse(ANN, "e2", LATER, NOW);

        ApiException refused = assertThrows(ApiException.class, () -> places.takeOrRefuse(ANN, "e3", LATER, NOW));

        assertEquals(ErrorCode.TOO_MANY_EXPORTS, refused.code());
        assertEquals("You have 2 exports running already; retry when one has finished", refused.getMessage());
        assertEquals(List.of("running/client-acme/place-0.json", "running/client-acme/place-1.json",
                "running/user-7/place-0.json", "running/user-7/place-1.json"), store.keys("running/"));
        assertEquals("e1", exportOf("running/user-7/place-0.json"));
        assertEquals(json("{\"export_id\":\"e2\",\"must_finish_by\":\"2026-03-15T10:50:00Z\",\"taken_at\":\"2026-03-15T10:30:00Z\"}"),
                ((com.fasterxml.jackson.databind.node.ObjectNode) json(store.json("running/user-7/place-1.json").orElseThrow())).without("write_id"));
    }

    @Test
    @DisplayName("a client's users together: the fourth is refused saying the organisation's limit, and gives its own place back")
    void perClientLimit() {
        places.takeOrRefuse(ANN, "e1", LATER, NOW);
        places.takeOrRefuse(BOB, "e2", LATER, NOW);
        places.takeOrRefuse(CAL, "e3", LATER, NOW);

        ApiException refused = assertThrows(ApiException.class, () -> places.takeOrRefuse(DEE, "e4", LATER, NOW));

        assertEquals("Your organisation's users have 3 exports running already; retry when one has finished", refused.getMessage());
        assertEquals(List.of(), store.keys("running/user-12/"), "no place stays taken for an export that will not run");
    }

    @Test
    @DisplayName("the admins together: a third admin is refused saying the admins' limit; admins take no client place")
    void adminsLimit() {
        places.takeOrRefuse(new Principal("1", "admin", "", null), "e1", LATER, NOW);
        places.takeOrRefuse(new Principal("2", "admin", "", null), "e2", LATER, NOW);

        ApiException refused = assertThrows(ApiException.class,
                () -> places.takeOrRefuse(new Principal("3", "admin", "", null), "e3", LATER, NOW));

        assertEquals("The admins have 2 exports running already; retry when one has finished", refused.getMessage());
        assertEquals(List.of("running/admins/place-0.json", "running/admins/place-1.json", "running/user-1/place-0.json",
                "running/user-2/place-0.json"), store.keys("running/"));
    }

    @Test
    @DisplayName("a place given back is free again; given back twice, the second time takes nobody else's")
    void giveBackTwice() {
        places.takeOrRefuse(ANN, "e1", LATER, NOW);
        places.takeOrRefuse(ANN, "e2", LATER, NOW);
        places.giveBack(ANN, "e1");
        places.takeOrRefuse(ANN, "e3", LATER, NOW);

        places.giveBack(ANN, "e1");

        assertEquals("e3", exportOf("running/user-7/place-0.json"));
        assertEquals("e2", exportOf("running/user-7/place-1.json"));
        assertEquals("e3", exportOf("running/client-acme/place-0.json"));
    }

    @Test
    @DisplayName("a place whose export had to finish by now is taken over; one still within its time is not")
    void expiredPlaceTakenOver() {
        RunningExports one = new RunningExports(store, 1, new TestClock(NOW));
        assertTrue(one.take("7", "e1", NOW.plusSeconds(10), NOW));
        assertFalse(one.take("7", "e2", NOW.plusSeconds(60), NOW.plusSeconds(9)));

        assertTrue(one.take("7", "e2", NOW.plusSeconds(60), NOW.plusSeconds(10)));

        assertEquals("e2", exportOf("running/user-7/place-0.json"));
    }

    @Test
    @DisplayName("two requests for the last place at once: the write that lands first takes it, the other is refused")
    void raceForTheLastPlace() {
        RunningExports one = new RunningExports(store, 1, new TestClock(NOW));
        store.beforeNextWrite("running/user-7/", () -> assertTrue(one.take("7", "other", LATER, NOW)));

        assertFalse(one.take("7", "mine", LATER, NOW));

        assertEquals("other", exportOf("running/user-7/place-0.json"));
    }

    @Test
    @DisplayName("eight exports of one user at the same instant: two take a place, six are refused")
    void eightAtOnce() throws Exception {
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
        List<java.util.concurrent.Future<Boolean>> outcomes = new java.util.ArrayList<>();
        for (int i = 0; i < 8; i++) {
            String exportId = "e" + i;
            outcomes.add(pool.submit(() -> {
                go.await();
                try {
                    places.takeOrRefuse(ANN, exportId, LATER, NOW);
                    return true;
                } catch (ApiException e) {
                    assertEquals(ErrorCode.TOO_MANY_EXPORTS, e.code());
                    return false;
                }
            }));
        }
        go.countDown();
        int started = 0;
        for (java.util.concurrent.Future<Boolean> outcome : outcomes) {
            started += outcome.get(10, java.util.concurrent.TimeUnit.SECONDS) ? 1 : 0;
        }
        pool.shutdown();

        assertEquals(2, started);
        assertEquals(List.of("running/client-acme/place-0.json", "running/client-acme/place-1.json",
                "running/user-7/place-0.json", "running/user-7/place-1.json"), store.keys("running/"));
    }

    @Test
    @DisplayName("a place whose write's answer was lost is settled by its write_id: taken, once")
    void lostAnswerSettled() {
        RunningExports one = new RunningExports(store, 1, new TestClock(NOW));
        store.onNextWrite("running/user-7/", InMemoryConditionalStore.Fault.ANSWER_LOST);
        assertTrue(one.take("7", "e1", LATER, NOW));
        store.onNextWrite("running/user-8/", InMemoryConditionalStore.Fault.STORED_THEN_REFUSED);
        assertTrue(one.take("8", "e2", LATER, NOW), "a retry refused by the object it stored itself");

        assertFalse(one.take("7", "e3", LATER, NOW));
        assertEquals("e1", exportOf("running/user-7/place-0.json"));
    }

    @Test
    @DisplayName("the store failing midway: the places taken so far are given back, and the export is refused STORAGE_ERROR")
    void storeFailsMidway() {
        store.onNextWrite("running/client-acme/", InMemoryConditionalStore.Fault.UNAVAILABLE);

        ApiException failed = assertThrows(ApiException.class, () -> places.takeOrRefuse(ANN, "e1", LATER, NOW));

        assertEquals(ErrorCode.STORAGE_ERROR, failed.code());
        assertEquals("The export's place among the running exports could not be stored", failed.getMessage());
        assertEquals(List.of(), store.keys("running/"));
    }
}
