package com.onboardingexport.authorizer;

import com.onboardingexport.shared.Deadline;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Keeps each lookup's answer (a user, or "no such user") for a short time in this warm container,
 * so a burst of requests by one user costs one Strapi call. Failures are never kept. A TTL of zero
 * turns the cache off. The map is bounded: past {@code maxEntries} expired entries are dropped, and
 * if that is not enough the whole map is (a cache miss only costs a lookup).
 */
public final class CachingUserLookup implements UserLookup {
    private final UserLookup delegate;
    private final long ttlNanos;
    private final LongSupplier nanoClock;
    private final int maxEntries;
    private final Map<Long, Entry> entries = new ConcurrentHashMap<>();

    private record Entry(Optional<StrapiUser> user, long expiresAtNanos) {
    }

    public CachingUserLookup(UserLookup delegate, Duration ttl, LongSupplier nanoClock, int maxEntries) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.ttlNanos = Objects.requireNonNull(ttl, "ttl").toNanos();
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
        this.maxEntries = maxEntries;
        if (ttl.isNegative() || maxEntries < 1) {
            throw new IllegalArgumentException("ttl must be >= 0 and maxEntries >= 1");
        }
    }

    public CachingUserLookup(UserLookup delegate, Duration ttl) {
        this(delegate, ttl, System::nanoTime, 10_000);
    }

    @Override
    public Optional<StrapiUser> find(long userId, Deadline deadline) {
        if (ttlNanos == 0) {
            return delegate.find(userId, deadline);
        }
        long now = nanoClock.getAsLong();
        Entry cached = entries.get(userId);
        if (cached != null && now - cached.expiresAtNanos() < 0) {
            return cached.user();
        }
        Optional<StrapiUser> user = delegate.find(userId, deadline);
        if (entries.size() >= maxEntries) {
            entries.values().removeIf(entry -> now - entry.expiresAtNanos() >= 0);
            if (entries.size() >= maxEntries) {
                entries.clear();
            }
        }
        entries.put(userId, new Entry(user, now + ttlNanos));
        return user;
    }
}
