package com.onboardingexport.authorizer;

import com.onboardingexport.shared.Deadline;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/** Users held in memory, a call counter, and an optional failure: the only fake, for unit tests. */
final class FakeUserLookup implements UserLookup {
    private final Map<Long, StrapiUser> users = new HashMap<>();
    final AtomicInteger calls = new AtomicInteger();
    RuntimeException failure;

    FakeUserLookup with(StrapiUser user) {
        users.put(user.id(), user);
        return this;
    }

    @Override
    public Optional<StrapiUser> find(long userId, Deadline deadline) {
        calls.incrementAndGet();
        if (failure != null) {
            throw failure;
        }
        return Optional.ofNullable(users.get(userId));
    }

    /** The seed users of ../../strapi (ids as seeded). */
    static FakeUserLookup seedUsers() {
        return new FakeUserLookup()
                .with(new StrapiUser(1, false, true, "admin", null))
                .with(new StrapiUser(2, false, true, "client", "ok7sykjomv01v9m14hxdgieh"))
                .with(new StrapiUser(3, false, true, "client", "globexdocumentid000000000"))
                .with(new StrapiUser(4, true, true, "client", "ok7sykjomv01v9m14hxdgieh"))
                .with(new StrapiUser(5, false, false, "client", "ok7sykjomv01v9m14hxdgieh"))
                .with(new StrapiUser(6, false, true, "authenticated", null))
                .with(new StrapiUser(7, false, true, "client", null))
                .with(new StrapiUser(8, false, true, null, null));
    }
}
