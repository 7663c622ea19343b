package com.onboardingexport.it;

import com.onboardingexport.local.LocalS3;
import com.onboardingexport.local.LocalSecretsManager;
import com.onboardingexport.local.LocalStrapi;
import com.onboardingexport.shared.AppSecrets;
import com.onboardingexport.shared.Json;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * The real parts every integration test uses, started once per test JVM and stopped at its exit:
 * the dev Strapi (fresh database, seeded), S3Proxy checking signatures with the export bucket,
 * and the Secrets Manager stand-in holding the application's secret.
 */
public final class RealParts {
    public static final String BUCKET = "onboarding-exports-test";
    public static final String SECRET_ID = "arn:aws:secretsmanager:us-east-1:000000000000:secret:onboarding-export-test";

    private static RealParts instance;

    private final java.util.Map<String, String> tokens = new java.util.concurrent.ConcurrentHashMap<>();

    public final LocalStrapi strapi;
    public final LocalS3 s3;
    public final LocalSecretsManager secretsManager;

    private RealParts(LocalStrapi strapi, LocalS3 s3, LocalSecretsManager secretsManager) {
        this.strapi = strapi;
        this.s3 = s3;
        this.secretsManager = secretsManager;
    }

    public static synchronized RealParts get() {
        if (instance == null) {
            LocalStrapi strapi = null;
            LocalS3 s3 = null;
            LocalSecretsManager secretsManager = null;
            try {
                strapi = LocalStrapi.start(LocalStrapi.Options.defaults());
                s3 = LocalS3.start(0);
                s3.createBucket(BUCKET);
                secretsManager = LocalSecretsManager.start(0);
                secretsManager.putSecret(SECRET_ID, Json.MAPPER.createObjectNode()
                        .put(AppSecrets.API_TOKEN_KEY, strapi.apiToken())
                        .put(AppSecrets.JWT_SECRET_KEY, strapi.jwtSecret())
                        .toString());
            } catch (Exception | LinkageError e) {
                stop(strapi, s3, secretsManager); // leave no Strapi behind when a later part fails
                throw new IllegalStateException("Could not start the real parts", e);
            }
            instance = new RealParts(strapi, s3, secretsManager);
            RealParts started = instance;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(started.strapi, started.s3, started.secretsManager)));
        }
        return instance;
    }

    private static void stop(LocalStrapi strapi, LocalS3 s3, LocalSecretsManager secretsManager) {
        if (strapi != null) {
            strapi.close();
        }
        if (secretsManager != null) {
            secretsManager.close();
        }
        if (s3 != null) {
            try {
                s3.close();
            } catch (Exception ignored) {
                // stopping anyway
            }
        }
    }

    /** The real SDK client, pointed at the stand-in the way AWS_ENDPOINT_URL would point it. */
    public SecretsManagerClient secretsManagerClient() {
        return SecretsManagerClient.builder()
                .endpointOverride(secretsManager.endpoint())
                .region(Region.US_EAST_1)
                .credentialsProvider(s3.credentials())
                .httpClient(UrlConnectionHttpClient.create())
                .build();
    }

    public AppSecrets appSecrets() {
        return new AppSecrets(secretsManagerClient(), SECRET_ID);
    }

    /**
     * A real JWT from Strapi's own login, one per user per test JVM: Strapi's auth routes allow only
     * five logins a minute per user, and the tokens live seven days.
     */
    public String login(String email) {
        return tokens.computeIfAbsent(email, e -> strapi.login(e, LocalStrapi.DEV_PASSWORD));
    }
}
