package com.onboardingexport.local.gateway;

import com.onboardingexport.local.template.LocalApiTemplate;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The stage's throttling: one token bucket per method (route and HTTP method), as the API's
 * MethodSettings set them. It comes before the authorizer: a throttled request costs no invocation.
 */
final class StageThrottle {
    private final LocalApiTemplate template;
    private final Map<String, Optional<TokenBucket>> buckets = new ConcurrentHashMap<>();

    StageThrottle(LocalApiTemplate template) {
        this.template = template;
    }

    /** Whether the route's method has room for one more request now (always, when nothing throttles it). */
    boolean admits(String method, LocalApiTemplate.Route route) {
        Optional<TokenBucket> bucket = buckets.computeIfAbsent(method + " " + route.path(),
                key -> template.throttle(method, route.path()).map(TokenBucket::new));
        return bucket.isEmpty() || bucket.get().tryTake();
    }

    /**
     * API Gateway's throttling of one method: a token bucket that holds up to {@code burst} requests
     * and refills at {@code ratePerSecond}; a request finding it empty is throttled.
     */
    private static final class TokenBucket {
        private final double rate;
        private final double capacity;
        private double tokens;
        private long refilledAt = System.nanoTime();

        TokenBucket(LocalApiTemplate.Throttle throttle) {
            this.rate = throttle.ratePerSecond();
            this.capacity = Math.max(1, throttle.burst());
            this.tokens = capacity;
        }

        synchronized boolean tryTake() {
            long now = System.nanoTime();
            tokens = Math.min(capacity, tokens + (now - refilledAt) / 1e9 * rate);
            refilledAt = now;
            if (tokens < 1) {
                return false;
            }
            tokens -= 1;
            return true;
        }
    }
}
