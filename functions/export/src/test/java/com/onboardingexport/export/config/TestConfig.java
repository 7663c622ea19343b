package com.onboardingexport.export.config;

import com.onboardingexport.shared.Env;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The export function's configuration for tests, built as the template would set its environment:
 * the three variables it requires (a Strapi URL nobody listens on, a secret ARN, a bucket), and
 * whatever else a test sets. {@code TestConfig.builder().strapiUrl(url).set("STRAPI_VERSION", "4").build()}.
 */
public final class TestConfig {
    private TestConfig() {
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Collects the environment variables; {@link #build} reads them as {@link ExportConfig#from} does in Lambda. */
    public static final class Builder {
        private final Map<String, String> env = new LinkedHashMap<>(Map.of(
                "STRAPI_URL", "http://127.0.0.1:1",
                "STRAPI_API_TOKEN_SECRET_ARN", "secret",
                "EXPORT_BUCKET", "bucket"));

        public Builder strapiUrl(String url) {
            return set("STRAPI_URL", url);
        }

        public Builder apiTokenSecretArn(String arn) {
            return set("STRAPI_API_TOKEN_SECRET_ARN", arn);
        }

        public Builder bucket(String bucket) {
            return set("EXPORT_BUCKET", bucket);
        }

        public Builder strapiVersion(int version) {
            return set("STRAPI_VERSION", Integer.toString(version));
        }

        public Builder maxCsvColumns(int columns) {
            return set("MAX_CSV_COLUMNS", Integer.toString(columns));
        }

        public Builder asyncRowThreshold(long rows) {
            return set("ASYNC_ROW_THRESHOLD", Long.toString(rows));
        }

        public Builder apiUrl(String url) {
            return set("API_URL", url);
        }

        /** Any other variable, by the name template.yaml gives it. */
        public Builder set(String name, String value) {
            env.put(name, value);
            return this;
        }

        public Env env() {
            return new Env(Map.copyOf(env));
        }

        public ExportConfig build() {
            return ExportConfig.from(env());
        }
    }
}
