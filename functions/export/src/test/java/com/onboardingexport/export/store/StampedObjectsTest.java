package com.onboardingexport.export.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.onboardingexport.export.TestClock;
import com.onboardingexport.export.model.Stamped;
import com.onboardingexport.shared.ApiException;
import com.onboardingexport.shared.ErrorCode;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Typed objects over the conditional store: versions, conditions, and how a write whose answer was lost is settled. */
class StampedObjectsTest {
    /** The smallest stamped object. */
    record Note(String text, String writtenAt, String writeId) implements Stamped<Note> {
        @Override
        public Note written(String newWriteId, Instant now) {
            return new Note(text, now.toString(), newWriteId);
        }
    }

    private static final String KEY = "notes/a.json";
    private final InMemoryConditionalStore store = new InMemoryConditionalStore();
    private final StampedObjects<Note> notes = new StampedObjects<>(store, Note.class, "the note",
            new TestClock(Instant.parse("2026-03-15T10:30:00Z")));

    private Optional<ConditionalStore.Versioned<Note>> create(String text) {
        return notes.write(KEY, new Note(text, null, null), null);
    }

    @Test
    @DisplayName("created once, replaced only from the version read, a new version on every write, stored as JSON with its write_id")
    void createAndReplace() {
        ConditionalStore.Versioned<Note> first = create("one").orElseThrow();
        assertEquals(Optional.empty(), create("two"), "created only if none exists");
        ConditionalStore.Versioned<Note> second = notes.write(KEY, new Note("two", null, null), first.eTag()).orElseThrow();
        assertNotEquals(first.eTag(), second.eTag());
        assertEquals(Optional.empty(), notes.write(KEY, new Note("three", null, null), first.eTag()), "a stale version is refused");

        assertEquals("{\"text\":\"two\",\"writtenAt\":\"2026-03-15T10:30:00Z\",\"writeId\":\"" + second.value().writeId() + "\"}",
                store.json(KEY).orElseThrow());
        assertEquals(second, notes.find(KEY).orElseThrow());
        notes.delete(KEY);
        assertEquals(Optional.empty(), notes.find(KEY));
    }

    @Test
    @DisplayName("a lost answer: stored means written (found by its write_id), not stored means STORAGE_ERROR, overtaken means refused")
    void lostAnswers() {
        store.onNextWrite(KEY, InMemoryConditionalStore.Fault.ANSWER_LOST);
        ConditionalStore.Versioned<Note> landed = create("one").orElseThrow();
        assertEquals(landed, notes.find(KEY).orElseThrow());

        store.onNextWrite(KEY, InMemoryConditionalStore.Fault.STORED_THEN_REFUSED);
        assertEquals("two", notes.write(KEY, new Note("two", null, null), landed.eTag()).orElseThrow().value().text());

        ConditionalStore.Versioned<Note> current = notes.find(KEY).orElseThrow();
        store.onNextWrite(KEY, InMemoryConditionalStore.Fault.NEVER_ARRIVED);
        ApiException lost = assertThrows(ApiException.class, () -> notes.write(KEY, new Note("three", null, null), current.eTag()));
        assertEquals(ErrorCode.STORAGE_ERROR, lost.code());
        assertEquals("The note could not be stored", lost.getMessage());

        store.beforeNextWrite(KEY, () -> {
            notes.write(KEY, new Note("theirs", null, null), current.eTag());
            store.onNextWrite(KEY, InMemoryConditionalStore.Fault.NEVER_ARRIVED); // then the answer of mine is lost
        });
        assertEquals(Optional.empty(), notes.write(KEY, new Note("mine", null, null), current.eTag()), "another writer's version");
        assertEquals("theirs", notes.find(KEY).orElseThrow().value().text());
    }

    @Test
    @DisplayName("the store failing: a read is STORAGE_ERROR, a write refused is STORAGE_ERROR, an object that is not one is INTERNAL")
    void failures() {
        store.onNextWrite(KEY, InMemoryConditionalStore.Fault.UNAVAILABLE);
        ApiException refused = assertThrows(ApiException.class, () -> create("one"));
        assertEquals(ErrorCode.STORAGE_ERROR, refused.code());
        assertEquals(Optional.empty(), store.json(KEY));

        store.put(KEY, "[\"not a note\"]");
        ApiException malformed = assertThrows(ApiException.class, () -> notes.find(KEY));
        assertEquals(ErrorCode.INTERNAL, malformed.code());
        assertEquals("The note is not what it should be", malformed.getMessage());

        store.failReads("notes/");
        ApiException unreadable = assertThrows(ApiException.class, () -> notes.find(KEY));
        assertEquals(ErrorCode.STORAGE_ERROR, unreadable.code());
        assertEquals("The note could not be read", unreadable.getMessage());
    }

    @Test
    @DisplayName("eight writers create one object at once: exactly one of them does")
    void concurrentCreates() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        CountDownLatch go = new CountDownLatch(1);
        List<String> winners = new CopyOnWriteArrayList<>();
        for (int i = 0; i < 8; i++) {
            String text = "writer-" + i;
            pool.submit(() -> {
                go.await();
                create(text).ifPresent(written -> winners.add(written.value().text()));
                return null;
            });
        }
        go.countDown();
        pool.shutdown();
        assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));

        assertEquals(1, winners.size(), winners.toString());
        assertEquals(winners.get(0), notes.find(KEY).orElseThrow().value().text());
    }
}
