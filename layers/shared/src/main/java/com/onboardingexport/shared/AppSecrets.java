package com.onboardingexport.shared;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * The application's secret: one Secrets Manager secret holding JSON
 * {"strapiApiToken": "...", "jwtSecret": "..."}. Read on first use, then kept for the life of the
 * warm container (not at init, so a SnapStart snapshot never holds it).
 */
public final class AppSecrets {
    public static final String API_TOKEN_KEY = "strapiApiToken";
    public static final String JWT_SECRET_KEY = "jwtSecret";

    private final SecretsManagerClient client;
    private final String secretId;
    private volatile JsonNode secret;

    public AppSecrets(SecretsManagerClient client, String secretId) {
        this.client = client;
        this.secretId = secretId;
    }

    public String strapiApiToken() {
        return field(API_TOKEN_KEY);
    }

    public String jwtSecret() {
        return field(JWT_SECRET_KEY);
    }

    private String field(String name) {
        JsonNode value = load().get(name);
        if (value == null || !value.isTextual() || value.asText().isEmpty()) {
            throw new IllegalStateException("Secret " + secretId + " has no field " + name);
        }
        return value.asText();
    }

    private JsonNode load() {
        JsonNode loaded = secret;
        if (loaded == null) {
            synchronized (this) {
                if (secret == null) {
                    String text = client.getSecretValue(b -> b.secretId(secretId)).secretString();
                    try {
                        secret = Json.MAPPER.readTree(text);
                    } catch (IOException e) {
                        // Never echo the secret's text.
                        throw new IllegalStateException("Secret " + secretId + " is not JSON");
                    }
                }
                loaded = secret;
            }
        }
        return loaded;
    }
}
