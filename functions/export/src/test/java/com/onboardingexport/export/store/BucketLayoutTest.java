package com.onboardingexport.export.store;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.onboardingexport.export.model.Principal;
import com.onboardingexport.shared.ApiException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class BucketLayoutTest {
    private static final String EXPORT_ID = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";

    @Test
    @DisplayName("every key is under the prefix the template's lifecycle rules name")
    void keysUnderTheirPrefixes() {
        assertAll(
                () -> assertEquals("exports/user-7/" + EXPORT_ID + "/f.csv",
                        BucketLayout.exportFile(new Principal("7", "client", "c1", null), EXPORT_ID, "f.csv")),
                () -> assertEquals("scheduled/nightly/" + EXPORT_ID + "/f.csv",
                        BucketLayout.exportFile(Principal.schedule("nightly"), EXPORT_ID, "f.csv")),
                () -> assertEquals("status/" + EXPORT_ID + ".json", BucketLayout.status(EXPORT_ID)),
                () -> assertEquals("running/user-7/place-0.json", BucketLayout.place(BucketLayout.userPlaces("7"), 0)),
                () -> assertEquals("running/client-c1/place-3.json", BucketLayout.place(BucketLayout.clientPlaces("c1"), 3)),
                () -> assertEquals("running/admins/place-1.json", BucketLayout.place(BucketLayout.adminPlaces(), 1)),
                () -> assertEquals("schedules/nightly/abc/high-water.json", BucketLayout.scheduleMark("nightly", "abc")),
                () -> assertEquals("schedules/nightly/high-water.json", BucketLayout.scheduleMarkBeforeDefinitions("nightly")),
                () -> assertEquals("idempotency/user-7/abc.json", BucketLayout.idempotencyRecord("7", "abc")));
    }

    @Test
    @DisplayName("a requester id that is no safe key part is refused, never put in a key")
    void unsafeKeyPartRefused() {
        assertThrows(ApiException.class, () -> BucketLayout.exportFile(new Principal("../7", "client", "", null), EXPORT_ID, "f.csv"));
        assertThrows(ApiException.class, () -> BucketLayout.idempotencyRecord("a/b", "abc"));
    }
}
