package com.onboardingexport.export;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.onboardingexport.shared.ApiException;
import com.onboardingexport.shared.JsonLog;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The per-user limit on background exports: each user has {@code MAX_RUNNING_EXPORTS_PER_USER}
 * places, objects {@code running/user-<id>/place-<n>.json} in the export bucket, and an export
 * runs only in a place it took by a conditional write: created where none is, or replacing one
 * whose export had to finish by now (a run that died without giving it back). Of two requests
 * racing for the last place, S3 refuses one write, so the limit holds however many arrive at once.
 * The bucket's lifecycle rule removes places left behind.
 */
public final class RunningExports {
    /** A place as stored, snake_case. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Place(String exportId, String mustFinishBy, String takenAt, String writeId) implements ConditionalStore.Stamped<Place> {
        @Override
        public Place written(String newWriteId, Instant now) {
            return new Place(exportId, mustFinishBy, now.toString(), newWriteId);
        }

        boolean heldAt(Instant now) {
            return Instant.parse(mustFinishBy).isAfter(now);
        }
    }

    private final ConditionalStore<Place> places;
    private final int placesPerUser;

    public RunningExports(S3Client s3, String bucket, int placesPerUser, Clock clock) {
        this.places = new ConditionalStore<>(s3, bucket, Place.class, "the export's place among the user's running exports", clock);
        this.placesPerUser = placesPerUser;
    }

    /** Takes a free place for the export; false when every place holds an export still running at {@code now}. */
    public boolean take(String userId, String exportId, Instant mustFinishBy, Instant now) {
        Place wanted = new Place(exportId, mustFinishBy.toString(), null, null);
        for (int n = 0; n < placesPerUser; n++) {
            String key = key(userId, n);
            if (places.write(key, wanted, null).isPresent()) {
                return true;
            }
            Optional<ConditionalStore.Versioned<Place>> held = places.find(key);
            String expected = held.map(ConditionalStore.Versioned::eTag).orElse(null); // null: given back since, create it again
            if ((held.isEmpty() || !held.get().value().heldAt(now)) && places.write(key, wanted, expected).isPresent()) {
                return true;
            }
        }
        return false;
    }

    /** Gives back the export's place. Best effort: a place left behind is free again at its must-finish-by time. */
    public void giveBack(String userId, String exportId) {
        try {
            for (int n = 0; n < placesPerUser; n++) {
                String key = key(userId, n);
                Optional<ConditionalStore.Versioned<Place>> held = places.find(key);
                if (held.isPresent() && exportId.equals(held.get().value().exportId())) {
                    places.delete(key);
                    return;
                }
            }
        } catch (ApiException e) {
            JsonLog.warn("could not give back a running export's place", "export_id", exportId, "error", e.toString());
        }
    }

    static String key(String userId, int place) {
        return "running/user-" + ExportService.safeKeyPart(userId) + "/place-" + place + ".json";
    }
}
