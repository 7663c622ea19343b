package com.onboardingexport.export.store;

import com.onboardingexport.export.model.Principal;
import com.onboardingexport.shared.ApiException;
import com.onboardingexport.shared.ErrorCode;
import java.util.regex.Pattern;

/**
 * The export bucket's layout: every key the export functions read or write is built here, under
 * the prefixes that the template's lifecycle rules expire ({@code exports/}, {@code scheduled/},
 * {@code status/}, {@code running/}, {@code idempotency/}) or keep ({@code schedules/}).
 */
public final class BucketLayout {
    private static final Pattern SAFE_KEY_PART = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    private BucketLayout() {
    }

    /** An export's file, under a prefix per requester; the random export id makes the key unguessable. */
    public static String exportFile(Principal principal, String exportId, String filename) {
        if (principal.isScheduled()) {
            return "scheduled/" + safeKeyPart(principal.scheduleName()) + "/" + exportId + "/" + filename;
        }
        return "exports/user-" + safeKeyPart(principal.userId()) + "/" + exportId + "/" + filename;
    }

    /** An export's status. */
    public static String status(String exportId) {
        return "status/" + exportId + ".json";
    }

    /** The folder of a user's places among the running exports. */
    static String userPlaces(String userId) {
        return "running/user-" + safeKeyPart(userId);
    }

    /** The folder of the places a client's users share. */
    static String clientPlaces(String clientId) {
        return "running/client-" + safeKeyPart(clientId);
    }

    /** The folder of the places the admins share. */
    static String adminPlaces() {
        return "running/admins";
    }

    /** The {@code n}th place of a folder of places. */
    static String place(String places, int n) {
        return places + "/place-" + n + ".json";
    }

    /** A schedule's high-water mark, one per definition (the SHA-256 of its input but its time). */
    static String scheduleMark(String scheduleName, String definition) {
        return "schedules/" + safeKeyPart(scheduleName) + "/" + definition + "/high-water.json";
    }

    /** The mark a schedule had before marks were kept per definition. */
    static String scheduleMarkBeforeDefinitions(String scheduleName) {
        return "schedules/" + safeKeyPart(scheduleName) + "/high-water.json";
    }

    /** A user's idempotency record of a key, by the key's SHA-256. */
    public static String idempotencyRecord(String userId, String keySha256) {
        return "idempotency/user-" + safeKeyPart(userId) + "/" + keySha256 + ".json";
    }

    /** A requester's id as a key part; a 500 for one that is no safe key part (never from a caller). */
    static String safeKeyPart(String part) {
        if (!SAFE_KEY_PART.matcher(part).matches()) {
            throw new ApiException(ErrorCode.INTERNAL, "Unusable requester id for an object key");
        }
        return part;
    }
}
