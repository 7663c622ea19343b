package com.onboardingexport.it;

import com.onboardingexport.local.services.LocalMoto;
import com.onboardingexport.local.services.LocalS3;
import com.onboardingexport.local.services.LocalStrapi;
import com.onboardingexport.shared.CachedSecret;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * The real parts every integration test uses, started once per test JVM and stopped at its exit:
 * the dev Strapi (fresh database, seeded), S3Proxy checking signatures with the export bucket,
 * and moto_server holding the two secrets (the Strapi API token, the JWT secret).
 */
public final class RealParts {
    public static final String BUCKET = "onboarding-exports-test";

    private static RealParts instance;

    private final Map<String, String> tokens = new java.util.concurrent.ConcurrentHashMap<>();

    public final LocalStrapi strapi;
    public final LocalS3 s3;
    public final LocalMoto moto;
    /** Full ARNs of the two secrets in moto, as the template's parameters take them. */
    public final String apiTokenSecretArn;
    public final String jwtSecretArn;

    private RealParts(LocalStrapi strapi, LocalS3 s3, LocalMoto moto, String apiTokenSecretArn, String jwtSecretArn) {
        this.strapi = strapi;
        this.s3 = s3;
        this.moto = moto;
        this.apiTokenSecretArn = apiTokenSecretArn;
        this.jwtSecretArn = jwtSecretArn;
    }

    public static synchronized RealParts get() {
        if (instance == null) {
            LocalStrapi strapi = null;
            LocalS3 s3 = null;
            LocalMoto moto = null;
            try {
                strapi = LocalStrapi.start(LocalStrapi.Options.defaults());
                s3 = LocalS3.start(0);
                s3.createBucket(BUCKET);
                moto = LocalMoto.start(0);
                String apiTokenArn = moto.createSecret("onboarding-export-test/strapi-api-token", strapi.apiToken());
                String jwtSecretArn = moto.createSecret("onboarding-export-test/jwt-secret", strapi.jwtSecret());
                instance = new RealParts(strapi, s3, moto, apiTokenArn, jwtSecretArn);
            } catch (Exception | LinkageError e) {
                stop(strapi, s3, moto); // leave no Strapi behind when a later part fails
                throw new IllegalStateException("Could not start the real parts", e);
            }
            RealParts started = instance;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(started.strapi, started.s3, started.moto)));
        }
        return instance;
    }

    private static void stop(LocalStrapi strapi, LocalS3 s3, LocalMoto moto) {
        if (strapi != null) {
            strapi.close();
        }
        if (moto != null) {
            moto.close();
        }
        if (s3 != null) {
            try {
                s3.close();
            } catch (Exception ignored) {
                // stopping anyway
            }
        }
    }

    /** The real SDK client on moto, the way AWS_ENDPOINT_URL would point it. */
    public SecretsManagerClient secretsManagerClient() {
        return moto.secretsManager();
    }

    /** The API token as the functions read it: from Secrets Manager, cached. */
    public CachedSecret apiTokenSecret() {
        return new CachedSecret(secretsManagerClient(), apiTokenSecretArn, Duration.ofMinutes(5));
    }

    /** The secret variables of both functions (the export function ignores JWT_SECRET_ARN; its template never sets it). */
    public Map<String, String> secretEnvironment() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("STRAPI_API_TOKEN_SECRET_ARN", apiTokenSecretArn);
        env.put("JWT_SECRET_ARN", jwtSecretArn);
        return env;
    }

    /**
     * A real JWT from Strapi's own login, one per user per test JVM: Strapi's auth routes allow only
     * five logins a minute per user, and the tokens live seven days.
     */
    public String login(String email) {
        return tokens.computeIfAbsent(email, e -> strapi.login(e, LocalStrapi.DEV_PASSWORD));
    }
}
