package com.onboardingexport.export.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.onboardingexport.export.model.Stamped;
import com.onboardingexport.shared.ApiException;
import com.onboardingexport.shared.ErrorCode;
import com.onboardingexport.shared.Json;
import com.onboardingexport.shared.JsonLog;
import java.io.IOException;
import java.time.Clock;
import java.util.Optional;
import java.util.UUID;

/**
 * Objects of one type in a {@link ConditionalStore}, as JSON: read with their version, created
 * only if none exists, replaced only if still the version the writer read. A writer whose
 * condition fails reads again and decides anew.
 *
 * <p>A conditional write whose answer is lost (a connection cut after the store kept it; S3's
 * retry then meets the writer's own object and gets 412) is ambiguous: each write carries a random
 * {@code write_id}, and on a refusal or a lost answer the object is read back to learn whether the
 * stored version is this write's own.
 *
 * @param <T> the object, a record that carries its {@code write_id}
 */
public final class StampedObjects<T extends Stamped<T>> {
    private final ConditionalStore store;
    private final Class<T> type;
    private final String what;
    private final Clock clock;

    /** @param what the object's name in messages ("the export's status") */
    public StampedObjects(ConditionalStore store, Class<T> type, String what, Clock clock) {
        this.store = store;
        this.type = type;
        this.what = what;
        this.clock = clock;
    }

    public Optional<ConditionalStore.Versioned<T>> find(String key) {
        Optional<ConditionalStore.Versioned<byte[]>> stored;
        try {
            stored = store.find(key);
        } catch (ConditionalStore.Unavailable e) {
            throw new ApiException(ErrorCode.STORAGE_ERROR, capitalised() + " could not be read", cause(e));
        }
        if (stored.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new ConditionalStore.Versioned<>(Json.MAPPER.readValue(stored.get().value(), type), stored.get().eTag()));
        } catch (IOException e) {
            throw new ApiException(ErrorCode.INTERNAL, capitalised() + " is not what it should be", e);
        }
    }

    /** Writes if the stored object is still {@code expectedETag} (null: if there is none yet); empty when the condition failed. */
    public Optional<ConditionalStore.Versioned<T>> write(String key, T next, String expectedETag) {
        T value = next.written(UUID.randomUUID().toString(), clock.instant());
        String body;
        try {
            body = Json.MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new ApiException(ErrorCode.INTERNAL, capitalised() + " could not be written", e);
        }
        try {
            String eTag = expectedETag == null ? store.create(key, body) : store.replace(key, body, expectedETag);
            return Optional.of(new ConditionalStore.Versioned<>(value, eTag));
        } catch (ConditionalStore.Unavailable e) {
            throw new ApiException(ErrorCode.STORAGE_ERROR, capitalised() + " could not be stored", cause(e));
        } catch (ConditionalStore.ConditionFailed | ConditionalStore.Unanswered e) {
            return settle(key, value, expectedETag, e);
        }
    }

    /** Best effort: an object left behind is removed by the bucket's lifecycle, or taken over once stale. */
    public void delete(String key) {
        try {
            store.delete(key);
        } catch (ConditionalStore.Unavailable e) {
            JsonLog.error("could not delete " + what, cause(e), "key", key);
        }
    }

    /**
     * After a refusal or a lost answer, what is stored says how the write ended: this write's own
     * version (it landed), another version than the one it was conditioned on (it lost, and never
     * can land), or still the version it was conditioned on (it did not land: a storage error).
     */
    private Optional<ConditionalStore.Versioned<T>> settle(String key, T written, String expectedETag, RuntimeException failure) {
        Optional<ConditionalStore.Versioned<T>> stored = find(key);
        if (stored.isPresent() && written.writeId().equals(stored.get().value().writeId())) {
            return stored;
        }
        // The store's own refusal (on a retried attempt too) says the condition failed then, even if the object
        // has changed since (a place given back meanwhile): the caller reads again, as after any lost race.
        boolean conditionFailed = failure instanceof ConditionalStore.ConditionFailed || (expectedETag == null ? stored.isPresent()
                : stored.isEmpty() || !expectedETag.equals(stored.get().eTag()));
        if (conditionFailed) {
            return Optional.empty();
        }
        throw new ApiException(ErrorCode.STORAGE_ERROR, capitalised() + " could not be stored", cause(failure));
    }

    /** The store's own failure (the SDK's exception) where it has one, as the cause of the error reported. */
    private static Throwable cause(RuntimeException e) {
        return e.getCause() != null ? e.getCause() : e;
    }

    private String capitalised() {
        return Character.toUpperCase(what.charAt(0)) + what.substring(1);
    }
}
