package com.onboardingexport.export.store;

import java.util.Optional;

/**
 * Small JSON objects under keys, each with a version that changes on every write, changed only by
 * conditional writes: created only if none exists, replaced only if still the version the writer
 * read. In the export bucket these are S3's {@code If-None-Match: *} and {@code If-Match: <ETag>}
 * ({@link S3ConditionalStore}); the tests hold them in memory. {@link StampedObjects} reads and
 * writes typed objects through it and settles a write whose answer was lost.
 */
public interface ConditionalStore {
    /** An object as read, with the version (S3's ETag) a conditional replace names. */
    record Versioned<T>(T value, String eTag) {
    }

    /** The stored bytes and their version; empty when there is no such object. Throws {@link Unavailable}. */
    Optional<Versioned<byte[]>> find(String key);

    /**
     * Stores {@code json} if no object has this key; returns the new version. Throws
     * {@link ConditionFailed} when one has, {@link Unavailable} when nothing was stored, and
     * {@link Unanswered} when whether it was stored is unknown.
     */
    String create(String key, String json);

    /** Stores {@code json} if the object is still at {@code version}; returns the new version. Throws as {@link #create}. */
    String replace(String key, String json, String version);

    /** Deletes the object, if there is one. Throws {@link Unavailable}. */
    void delete(String key);

    /** The store refused the write: the object was not what its condition named (S3's 412, or 409 for a concurrent write). */
    final class ConditionFailed extends RuntimeException {
        public ConditionFailed(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The store answered with a failure: nothing was read or written. */
    final class Unavailable extends RuntimeException {
        public Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The write's answer never came (a connection cut, a timeout): it may or may not have been stored. */
    final class Unanswered extends RuntimeException {
        public Unanswered(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
