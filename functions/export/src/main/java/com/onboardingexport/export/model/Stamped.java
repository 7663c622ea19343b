package com.onboardingexport.export.model;

import java.time.Instant;

/**
 * An object of the export bucket that says which write stored it, so that a conditional write
 * whose answer was lost can tell its own version from another writer's.
 *
 * @param <T> the object itself
 */
public interface Stamped<T> {
    String writeId();

    /** The version a writer stores: its own id to recognise it by, and when. */
    T written(String writeId, Instant now);
}
