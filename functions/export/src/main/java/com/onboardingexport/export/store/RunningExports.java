package com.onboardingexport.export.store;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.onboardingexport.export.config.ExportConfig;
import com.onboardingexport.export.model.Principal;
import com.onboardingexport.export.model.Stamped;
import com.onboardingexport.shared.ApiException;
import com.onboardingexport.shared.ErrorCode;
import com.onboardingexport.shared.JsonLog;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The limits on running exports, synchronous and background alike: each user has
 * {@code MAX_RUNNING_EXPORTS_PER_USER} places, objects {@code running/user-<id>/place-<n>.json} in the
 * export bucket; the users of one client together have {@code MAX_RUNNING_EXPORTS_PER_CLIENT} more
 * ({@code running/client-<id>/…}), and the admins together {@code MAX_RUNNING_ADMIN_EXPORTS}
 * ({@code running/admins/…}). An export runs only once it holds a place of each of its scopes, each
 * taken by a conditional write: created where none is, or replacing one whose export had to finish by
 * now (a run that died without giving it back). Of two requests racing for the last place, S3 refuses
 * one write, so a limit holds however many arrive at once. Scheduled exports take no place: they run
 * in capacity of their own. The bucket's lifecycle rule removes places left behind.
 */
public final class RunningExports {
    /** A place as stored, snake_case. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Place(String exportId, String mustFinishBy, String takenAt, String writeId) implements Stamped<Place> {
        @Override
        public Place written(String newWriteId, Instant now) {
            return new Place(exportId, mustFinishBy, now.toString(), newWriteId);
        }

        boolean heldAt(Instant now) {
            return Instant.parse(mustFinishBy).isAfter(now);
        }
    }

    /**
     * How many places each scope has; 0 for a group: no group limit.
     *
     * @param adminRole the role whose users share the admins' places (a client user shares its client's)
     */
    public record Limits(int perUser, int perClient, int admins, String adminRole) {
        public static Limits perUserOnly(int perUser) {
            return new Limits(perUser, 0, 0, "");
        }

        /** The limits the settings name. */
        public static Limits of(ExportConfig config) {
            return new Limits(config.maxRunningExportsPerUser(), config.maxRunningExportsPerClient(), config.maxRunningAdminExports(),
                    config.adminRole());
        }
    }

    /** What a 429 TOO_MANY_EXPORTS tells the caller to wait before trying again. */
    public static final int RETRY_AFTER_SECONDS = 30;

    /** One set of places: whose, where, how many, and what a refusal says. */
    private record Scope(String prefix, int places, String refusal) {
    }

    private final StampedObjects<Place> places;
    private final Limits limits;

    public RunningExports(ConditionalStore store, Limits limits, Clock clock) {
        this.places = new StampedObjects<>(store, Place.class, "the export's place among the running exports", clock);
        this.limits = limits;
    }

    /** Per-user places only. */
    public RunningExports(ConditionalStore store, int placesPerUser, Clock clock) {
        this(store, Limits.perUserOnly(placesPerUser), clock);
    }

    /**
     * Takes a place of each of the owner's scopes for the export, or none: a place taken before a
     * scope refused (or before S3 failed) is given back. Throws {@code 429 TOO_MANY_EXPORTS}, saying which limit, when one is full.
     */
    public void takeOrRefuse(Principal owner, String exportId, Instant mustFinishBy, Instant now) {
        List<Scope> taken = new ArrayList<>();
        try {
            for (Scope scope : scopes(owner)) {
                if (!take(scope, exportId, mustFinishBy, now)) {
                    throw new ApiException(ErrorCode.TOO_MANY_EXPORTS, scope.refusal());
                }
                taken.add(scope);
            }
        } catch (RuntimeException e) {
            // Refused, or S3 failed: no place stays taken for an export that will not run.
            taken.forEach(held -> giveBack(held, exportId));
            throw e;
        }
    }

    /** Takes a free place of the user's for the export; false when every place holds an export still running at {@code now}. */
    public boolean take(String userId, String exportId, Instant mustFinishBy, Instant now) {
        return take(userScope(userId), exportId, mustFinishBy, now);
    }

    /** Gives back the export's places, each best effort: a place left behind is free again at its must-finish-by time. */
    public void giveBack(Principal owner, String exportId) {
        scopes(owner).forEach(scope -> giveBack(scope, exportId));
    }

    /** Gives back the export's place among the user's. */
    public void giveBack(String userId, String exportId) {
        giveBack(userScope(userId), exportId);
    }

    private boolean take(Scope scope, String exportId, Instant mustFinishBy, Instant now) {
        Place wanted = new Place(exportId, mustFinishBy.toString(), null, null);
        for (int n = 0; n < scope.places(); n++) {
            String key = BucketLayout.place(scope.prefix(), n);
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

    private void giveBack(Scope scope, String exportId) {
        try {
            for (int n = 0; n < scope.places(); n++) {
                String key = BucketLayout.place(scope.prefix(), n);
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

    /** The user's own places, then its group's: its client's for a client user, the admins' for an admin. */
    private List<Scope> scopes(Principal owner) {
        List<Scope> scopes = new ArrayList<>();
        scopes.add(userScope(owner.userId()));
        if (!limits.adminRole().isEmpty() && limits.adminRole().equals(owner.role())) {
            if (limits.admins() > 0) {
                scopes.add(new Scope(BucketLayout.adminPlaces(), limits.admins(), "The admins have " + limits.admins()
                        + " exports running already; retry when one has finished"));
            }
        } else if (limits.perClient() > 0 && !owner.clientId().isEmpty()) {
            scopes.add(new Scope(BucketLayout.clientPlaces(owner.clientId()), limits.perClient(),
                    "Your organisation's users have " + limits.perClient() + " exports running already; retry when one has finished"));
        }
        return scopes;
    }

    private Scope userScope(String userId) {
        return new Scope(BucketLayout.userPlaces(userId), limits.perUser(),
                "You have " + limits.perUser() + " exports running already; retry when one has finished");
    }
}
