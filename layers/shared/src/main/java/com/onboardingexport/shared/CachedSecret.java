package com.onboardingexport.shared;

import java.time.Duration;
import java.util.Objects;
import java.util.function.LongSupplier;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * One Secrets Manager secret whose {@code SecretString} is the value itself (the Strapi API token,
 * or the JWT secret). Read on first use, not at init, so a SnapStart snapshot never holds it; kept
 * for {@code ttl}, then read again, so a rotated secret reaches warm containers within minutes.
 * Failures are never kept.
 */
public final class CachedSecret implements ApiTokenSource {
    private final SecretsManagerClient client;
    private final String secretId;
    private final long ttlNanos;
    private final LongSupplier nanoClock;
    private volatile Held held;

    private record Held(String value, long expiresAtNanos) {
    }

    public CachedSecret(SecretsManagerClient client, String secretId, Duration ttl, LongSupplier nanoClock) {
        this.client = Objects.requireNonNull(client, "client");
        this.secretId = Objects.requireNonNull(secretId, "secretId");
        this.ttlNanos = ttl.toNanos();
        this.nanoClock = nanoClock;
    }

    public CachedSecret(SecretsManagerClient client, String secretId, Duration ttl) {
        this(client, secretId, ttl, System::nanoTime);
    }

    public String value() {
        Held current = held;
        long now = nanoClock.getAsLong();
        if (current == null || now - current.expiresAtNanos() >= 0) {
            synchronized (this) {
                current = held;
                if (current == null || now - current.expiresAtNanos() >= 0) {
                    String value = client.getSecretValue(b -> b.secretId(secretId)).secretString();
                    if (value == null || value.isBlank()) {
                        throw new IllegalStateException("Secret " + secretId + " has no SecretString");
                    }
                    current = new Held(value.strip(), now + ttlNanos);
                    held = current;
                }
            }
        }
        return current.value();
    }

    @Override
    public String token() {
        return value();
    }

    @Override
    public void refresh() {
        held = null;
    }
}
