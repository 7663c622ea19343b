package com.onboardingexport.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.onboardingexport.export.ExportStatusStore;
import com.onboardingexport.export.Principal;
import com.onboardingexport.shared.ApiException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Status objects on the real S3 server of the tests (S3Proxy): S3's conditional writes keep every transition safe. */
class S3ConditionalWritesIT {
    private final RealParts parts = RealParts.get();
    private final ExportStatusStore store = new ExportStatusStore(parts.s3.client(), RealParts.BUCKET, Clock.systemUTC());

    private ObjectNode newStatus() {
        return store.running(UUID.randomUUID().toString(), new Principal("1", "admin", "", null), 10, 0);
    }

    @Test
    @DisplayName("a status is created once: a second create of the same export is refused")
    void createdOnce() {
        ObjectNode status = newStatus();
        store.create(status);
        assertThrows(ApiException.class, () -> store.create(status.deepCopy()));
        assertEquals("running", store.find(status.path("export_id").asText()).orElseThrow().state());
    }

    @Test
    @DisplayName("a replace names the version it read: a stale one is refused, a finished status is never replaced")
    void replaceOnlyTheVersionRead() {
        ObjectNode status = newStatus();
        store.create(status);
        String id = status.path("export_id").asText();
        ExportStatusStore.Versioned read = store.find(id).orElseThrow();
        ObjectNode progress = read.status().deepCopy().put("rows_written", 5);
        ExportStatusStore.Versioned afterProgress = store.replace(read, progress).orElseThrow();
        assertTrue(store.replace(read, read.status().deepCopy().put("rows_written", 7)).isEmpty(), "stale version");
        ObjectNode done = afterProgress.status().deepCopy().put("status", "succeeded");
        ExportStatusStore.Versioned finished = store.replace(afterProgress, done).orElseThrow();
        assertTrue(store.replace(finished, finished.status().deepCopy().put("status", "failed")).isEmpty(), "finished stays");
        assertEquals("succeeded", store.find(id).orElseThrow().state());
    }

    @Test
    @DisplayName("eight writers racing from one version: exactly one wins, and the stored status is the winner's")
    void racingWritersOneWins() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            for (int round = 0; round < 5; round++) {
                ObjectNode status = newStatus();
                store.create(status);
                ExportStatusStore.Versioned read = store.find(status.path("export_id").asText()).orElseThrow();
                List<Callable<Boolean>> writers = new ArrayList<>();
                for (int w = 0; w < 8; w++) {
                    String state = w % 2 == 0 ? "succeeded" : "failed";
                    int writer = w;
                    writers.add(() -> store.replace(read, read.status().deepCopy().put("status", state).put("writer", writer)).isPresent());
                }
                List<Integer> winners = new ArrayList<>();
                List<Future<Boolean>> results = pool.invokeAll(writers);
                for (int w = 0; w < results.size(); w++) {
                    if (results.get(w).get()) {
                        winners.add(w);
                    }
                }
                assertEquals(1, winners.size(), "winners " + winners);
                ObjectNode stored = store.find(status.path("export_id").asText()).orElseThrow().status();
                assertEquals(winners.get(0).intValue(), stored.path("writer").asInt());
                assertFalse(stored.path("status").asText().equals("running"));
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
