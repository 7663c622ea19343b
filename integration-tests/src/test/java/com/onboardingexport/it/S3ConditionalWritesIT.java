package com.onboardingexport.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.onboardingexport.export.format.FileFormat;
import com.onboardingexport.export.model.ExportStatus;
import com.onboardingexport.export.model.ExportedFile;
import com.onboardingexport.export.model.Principal;
import com.onboardingexport.export.store.ExportStatusStore;
import com.onboardingexport.export.store.S3ConditionalStore;
import com.onboardingexport.shared.ApiException;
import com.onboardingexport.shared.ErrorBody;
import java.time.Clock;
import java.time.Instant;
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
    private final ExportStatusStore store = new ExportStatusStore(new S3ConditionalStore(parts.s3.client(), RealParts.BUCKET), Clock.systemUTC());

    /** A running status, as the API function creates it. */
    private static ExportStatus newStatus() {
        return ExportStatus.running(UUID.randomUUID().toString(), new Principal("1", "admin", "", null), 10, Instant.now(),
                Instant.parse("2999-01-01T00:00:00Z"));
    }

    /** The status moved on by one writer: {@code writer} rows written, and {@code state} its outcome. */
    private static ExportStatus with(ExportStatus status, String state, int writer) {
        ExportStatus progressed = status.progressed(writer);
        return switch (state) {
            case "running" -> progressed;
            case "succeeded" -> progressed.succeeded(status.progress().total(), ExportedFile.builder().key("k").filename("f.csv")
                    .format(FileFormat.CSV).recordCount(writer).build());
            default -> progressed.failed(new ErrorBody.Error(500, "INTERNAL", "writer " + writer, null));
        };
    }

    @Test
    @DisplayName("a status is created once: a second create of the same export is refused")
    void createdOnce() throws Exception {
        ExportStatus status = newStatus();
        store.create(status);
        assertThrows(ApiException.class, () -> store.create(status));
        assertEquals("running", store.find(status.exportId()).orElseThrow().status().status());
    }

    @Test
    @DisplayName("a replace names the version it read: a stale one is refused, a finished status is never replaced")
    void replaceOnlyTheVersionRead() throws Exception {
        ExportStatus status = newStatus();
        store.create(status);
        String id = status.exportId();
        ExportStatusStore.Versioned read = store.find(id).orElseThrow();
        ExportStatusStore.Versioned afterProgress = store.replace(read, with(read.status(), "running", 5)).orElseThrow();
        assertTrue(store.replace(read, with(read.status(), "running", 7)).isEmpty(), "stale version");
        ExportStatusStore.Versioned finished = store.replace(afterProgress, with(afterProgress.status(), "succeeded", 5)).orElseThrow();
        assertTrue(store.replace(finished, with(finished.status(), "failed", 5)).isEmpty(), "finished stays");
        ExportStatus stored = store.find(id).orElseThrow().status();
        assertEquals("succeeded", stored.status());
        assertEquals(5, stored.progress().rowsWritten());
    }

    @Test
    @DisplayName("eight writers racing from one version: exactly one wins, and the stored status is the winner's")
    void racingWritersOneWins() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            for (int round = 0; round < 5; round++) {
                ExportStatus status = newStatus();
                store.create(status);
                ExportStatusStore.Versioned read = store.find(status.exportId()).orElseThrow();
                List<Callable<Boolean>> writers = new ArrayList<>();
                for (int w = 0; w < 8; w++) {
                    String state = w % 2 == 0 ? "succeeded" : "failed";
                    int writer = w;
                    ExportStatus next = with(read.status(), state, writer);
                    writers.add(() -> store.replace(read, next).isPresent());
                }
                List<Integer> winners = new ArrayList<>();
                List<Future<Boolean>> results = pool.invokeAll(writers);
                for (int w = 0; w < results.size(); w++) {
                    if (results.get(w).get()) {
                        winners.add(w);
                    }
                }
                assertEquals(1, winners.size(), "winners " + winners);
                ExportStatus stored = store.find(status.exportId()).orElseThrow().status();
                assertEquals(winners.get(0).intValue(), stored.progress().rowsWritten());
                assertFalse(stored.isRunning());
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
