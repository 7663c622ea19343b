package com.onboardingexport.export.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.onboardingexport.export.model.ExportRequestParser;
import com.onboardingexport.export.model.Principal;
import com.onboardingexport.shared.ApiException;
import com.onboardingexport.shared.ErrorCode;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The Idempotency-Key header and the request's canonical form; the records themselves are tested in IdempotencyIT. */
class IdempotentRequestsTest {
    private static final Principal ADMIN = new Principal("7", "admin", "", null);

    private static String fingerprint(Principal principal, String body, Instant now) {
        return IdempotentRequests.fingerprint(principal,
                new ExportRequestParser(100, Clock.fixed(now, ZoneOffset.UTC)).parseBody(body));
    }

    private static String fingerprint(String body) {
        return fingerprint(ADMIN, body, Instant.parse("2026-11-24T04:30:00Z"));
    }

    @Test
    @DisplayName("the header, in any case; absent is no key; 255 printable ASCII characters at most, once")
    void header() {
        assertEquals(Optional.of("k-1"), IdempotentRequests.key(Map.of("idempotency-key", "k-1"), null));
        assertEquals(Optional.empty(), IdempotentRequests.key(Map.of("Content-Type", "application/json"), null));
        assertEquals(Optional.empty(), IdempotentRequests.key(null, null));
        assertEquals(Optional.of("~".repeat(255)), IdempotentRequests.key(Map.of("Idempotency-Key", "~".repeat(255)), null));
        for (String bad : List.of("", "k".repeat(256), "clé", "a\tb", "a\nb")) {
            ApiException e = assertThrows(ApiException.class, () -> IdempotentRequests.key(Map.of("Idempotency-Key", bad), null));
            assertEquals(ErrorCode.INVALID_REQUEST, e.code());
        }
        assertThrows(ApiException.class, () -> IdempotentRequests.key(Map.of("Idempotency-Key", "b"),
                Map.of("Idempotency-Key", List.of("a", "b"))));
    }

    @Test
    @DisplayName("the same request written otherwise is the same; another value, another user role or client is not")
    void canonicalRequest() {
        String plain = fingerprint("{\"campaign_ids\":[\"a\",\"b\"],\"date_range\":\"last_7_days\"}");
        assertEquals(plain, fingerprint("{ \"date_range\": \"last_7_days\", \"campaign_ids\": [\"b\", \"a\", \"a\"],"
                + " \"file_format\": \"csv\", \"mode\": \"auto\", \"compression\": \"none\", \"csv\": {\"bom\": false} }"));
        // A preset keeps its name, not the instants it resolves to: a retry a day later is the same request.
        assertEquals(plain, fingerprint(ADMIN, "{\"campaign_ids\":[\"a\",\"b\"],\"date_range\":\"last_7_days\"}",
                Instant.parse("2026-11-25T04:30:00Z")));
        for (String other : List.of("{\"campaign_ids\":[\"a\"],\"date_range\":\"last_7_days\"}",
                "{\"campaign_ids\":[\"a\",\"b\"],\"date_range\":\"last_30_days\"}",
                "{\"campaign_ids\":[\"a\",\"b\"],\"date_range\":\"last_7_days\",\"mode\":\"async\"}",
                "{\"campaign_ids\":[\"a\",\"b\"],\"date_range\":\"last_7_days\",\"csv\":{\"delimiter\":\";\"}}",
                "{\"campaign_ids\":[\"a\",\"b\"],\"date_range\":\"last_7_days\",\"fields\":[\"x\",\"y\"]}")) {
            assertNotEquals(plain, fingerprint(other), other);
        }
        assertNotEquals(fingerprint("{\"fields\":[\"x\",\"y\"]}"), fingerprint("{\"fields\":[\"y\",\"x\"]}"), "column order counts");
        String body = "{\"date_range\":\"all_time\"}";
        Instant now = Instant.parse("2026-11-24T04:30:00Z");
        assertNotEquals(fingerprint(new Principal("7", "client", "c1", null), body, now),
                fingerprint(new Principal("7", "client", "c2", null), body, now));
    }

    @Test
    @DisplayName("a record per user and key: the key itself is never in the object's name")
    void recordKey() {
        String key = IdempotentRequests.recordKey("7", "my-key");
        assertTrue(key.matches("idempotency/user-7/[0-9a-f]{64}\\.json"), key);
        assertNotEquals(key, IdempotentRequests.recordKey("8", "my-key"));
    }
}
