package com.onboardingexport.authorizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.onboardingexport.shared.Deadline;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class CachingUserLookupTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final FakeUserLookup strapi = FakeUserLookup.seedUsers();
    private final CachingUserLookup cache = new CachingUserLookup(strapi, Duration.ofSeconds(60), now::get, 3);
    private final Deadline deadline = Deadline.in(Duration.ofSeconds(3));

    @Test
    @DisplayName("a burst by one user costs one lookup")
    void burstCostsOneLookup() {
        for (int i = 0; i < 50; i++) {
            assertEquals("admin", cache.find(1, deadline).orElseThrow().roleType());
        }
        assertEquals(1, strapi.calls.get());
    }

    @Test
    @DisplayName("after the TTL the user is looked up again")
    void expires() {
        cache.find(1, deadline);
        now.addAndGet(Duration.ofSeconds(59).toNanos());
        cache.find(1, deadline);
        assertEquals(1, strapi.calls.get());
        now.addAndGet(Duration.ofSeconds(1).toNanos());
        cache.find(1, deadline);
        assertEquals(2, strapi.calls.get());
    }

    @Test
    @DisplayName("'no such user' is kept too; users are kept apart")
    void negativeAndPerUser() {
        assertTrue(cache.find(404, deadline).isEmpty());
        assertTrue(cache.find(404, deadline).isEmpty());
        assertEquals("client", cache.find(2, deadline).orElseThrow().roleType());
        assertEquals(2, strapi.calls.get());
    }

    @Test
    @DisplayName("a failure is not kept: the next request asks Strapi again")
    void failuresNotCached() {
        strapi.failure = new IllegalStateException("down");
        assertThrows(IllegalStateException.class, () -> cache.find(1, deadline));
        strapi.failure = null;
        assertEquals("admin", cache.find(1, deadline).orElseThrow().roleType());
        assertEquals(2, strapi.calls.get());
    }

    @Test
    @DisplayName("TTL 0 turns the cache off")
    void disabled() {
        CachingUserLookup off = new CachingUserLookup(strapi, Duration.ZERO, now::get, 3);
        off.find(1, deadline);
        off.find(1, deadline);
        assertEquals(2, strapi.calls.get());
    }

    @Test
    @DisplayName("the map stays bounded")
    void bounded() {
        for (long id = 1; id <= 8; id++) {
            cache.find(id, deadline);
        }
        strapi.calls.set(0);
        cache.find(8, deadline); // the newest entry survived
        assertEquals(0, strapi.calls.get());
        cache.find(1, deadline); // the oldest were dropped
        assertEquals(1, strapi.calls.get());
    }
}
