package com.onboardingexport.export.store;

import com.onboardingexport.export.model.ExportStatus;
import com.onboardingexport.shared.ApiException;
import com.onboardingexport.shared.ErrorCode;
import java.time.Clock;
import java.util.Optional;

/**
 * The {@link ExportStatus} of every export, as small JSON objects beside the exports in the same
 * private bucket ({@code status/<export id>.json}, a {@link StatusDocument}), expiring with them by the bucket's lifecycle.
 * No database, and no lost update ({@link ConditionalStore}): a finished status ({@code succeeded}
 * or {@code failed}) is never overwritten, whatever order duplicate deliveries and progress writes
 * arrive in.
 */
public final class ExportStatusStore {
    /** A status as read, with the ETag a conditional replace names. */
    public record Versioned(ExportStatus status, String eTag) {
    }

    private final StampedObjects<StatusDocument> objects;

    public ExportStatusStore(ConditionalStore store, Clock clock) {
        this.objects = new StampedObjects<>(store, StatusDocument.class, "the export's status", clock);
    }

    /** Creates the status of a new export; never replaces one. */
    public Versioned create(ExportStatus status) {
        return objects.write(BucketLayout.status(status.exportId()), StatusDocument.of(status), null).map(ExportStatusStore::versioned)
                .orElseThrow(() -> new ApiException(ErrorCode.INTERNAL, "An export with this id exists already"));
    }

    /** Creates the status unless one with its id exists already; empty then. */
    public Optional<Versioned> createIfAbsent(ExportStatus status) {
        return objects.write(BucketLayout.status(status.exportId()), StatusDocument.of(status), null).map(ExportStatusStore::versioned);
    }

    /**
     * Replaces {@code current} by {@code next} if nobody wrote it since it was read, and never a
     * finished status. Empty when the condition failed: read again and decide anew.
     */
    public Optional<Versioned> replace(Versioned current, ExportStatus next) {
        if (!current.status().isRunning()) {
            return Optional.empty();
        }
        return objects.write(BucketLayout.status(next.exportId()), StatusDocument.of(next), current.eTag()).map(ExportStatusStore::versioned);
    }

    public Optional<Versioned> find(String exportId) {
        return objects.find(BucketLayout.status(exportId)).map(ExportStatusStore::versioned);
    }

    public void delete(String exportId) {
        objects.delete(BucketLayout.status(exportId));
    }

    private static Versioned versioned(ConditionalStore.Versioned<StatusDocument> stored) {
        try {
            return new Versioned(stored.value().toStatus(), stored.eTag());
        } catch (RuntimeException e) {
            // Valid JSON holding a value no status has (an unknown status, a time that is not one): as unreadable as bad JSON.
            throw new ApiException(ErrorCode.INTERNAL, "The export's status is not what it should be", e);
        }
    }
}
