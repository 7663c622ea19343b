package com.onboardingexport.local.gateway;

import com.onboardingexport.local.template.LocalApiTemplate;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The template's AWS WAF rate-based rules in front of the local API: each rule counts the requests of
 * one source IP, or of one value of a header (the {@code Authorization} token), over its evaluation
 * window, and blocks that key while it has sent more than the rule's limit in the window. Blocked
 * requests count too, as WAF counts them, so a flood stays blocked until it slows down.
 */
final class LocalWaf {
    private final List<LocalApiTemplate.RateRule> rules;
    private final Map<String, Deque<Long>> seen = new ConcurrentHashMap<>();

    LocalWaf(List<LocalApiTemplate.RateRule> rules) {
        this.rules = List.copyOf(rules);
    }

    List<LocalApiTemplate.RateRule> rules() {
        return rules;
    }

    /** Counts the request; the rule that blocks it, if any. */
    java.util.Optional<LocalApiTemplate.RateRule> blocking(String sourceIp, Function<String, String> header) {
        long now = System.nanoTime();
        LocalApiTemplate.RateRule blocking = null;
        for (LocalApiTemplate.RateRule rule : rules) {
            String value = rule.header() == null ? sourceIp : header.apply(rule.header());
            if (value == null) {
                continue; // WAF leaves a request without the key out of that rule's count
            }
            Deque<Long> times = seen.computeIfAbsent(rule.name() + "\n" + value, k -> new ArrayDeque<>());
            synchronized (times) {
                long windowStart = now - rule.windowSeconds() * 1_000_000_000L;
                while (!times.isEmpty() && times.peekFirst() < windowStart) {
                    times.pollFirst();
                }
                times.addLast(now);
                if (times.size() > rule.limit() && blocking == null) {
                    blocking = rule;
                }
            }
        }
        return java.util.Optional.ofNullable(blocking);
    }
}
