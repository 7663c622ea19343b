package com.onboardingexport.export.config;

import com.onboardingexport.shared.Env;
import java.time.Duration;

/**
 * The export functions' settings, from the environment that template.yaml sets: plain values only
 * (the CORS origins as listed; the API's wiring makes the policy of them, the store its place limits).
 */
public record ExportConfig(
        String strapiUrl,
        String apiTokenSecretArn,
        Duration secretCacheTtl,
        String bucket,
        Duration linkTtl,
        int maxCampaignIds,
        int strapiVersion,
        int pageSize,
        int parallelism,
        Duration strapiTimeout,
        String adminRole,
        String clientRole,
        long asyncRowThreshold,
        int maxRunningExportsPerUser,
        int maxRunningExportsPerClient,
        int maxRunningAdminExports,
        String workerFunction,
        String apiUrl,
        String eventBusName,
        String incrementalDateField,
        String responsesCollection,
        String campaignsCollection,
        String dateField,
        String campaignField,
        String clientField,
        int maxCsvColumns,
        String corsAllowedOrigins) {

    /** Presigned URLs cannot outlive the signing credentials; an hour is the safe ceiling. */
    static final Duration MAX_LINK_TTL = Duration.ofHours(1);

    public static ExportConfig from(Env env) {
        Duration ttl = Duration.ofSeconds(env.getInt("LINK_TTL_SECONDS", 900));
        if (ttl.isNegative() || ttl.isZero() || ttl.compareTo(MAX_LINK_TTL) > 0) {
            throw new IllegalStateException("LINK_TTL_SECONDS must be between 1 and 3600");
        }
        int version = env.getInt("STRAPI_VERSION", 5);
        if (version != 4 && version != 5) {
            throw new IllegalStateException("STRAPI_VERSION must be 4 or 5");
        }
        return new ExportConfig(
                env.require("STRAPI_URL"),
                env.require("STRAPI_API_TOKEN_SECRET_ARN"),
                Duration.ofSeconds(env.getInt("SECRET_CACHE_SECONDS", 300)),
                env.require("EXPORT_BUCKET"),
                ttl,
                env.getInt("MAX_CAMPAIGN_IDS", 100),
                version,
                env.getInt("STRAPI_PAGE_SIZE", 100),
                Math.max(1, env.getInt("STRAPI_PARALLELISM", 4)),
                Duration.ofMillis(env.getInt("STRAPI_TIMEOUT_MS", 10_000)),
                env.get("ADMIN_ROLE_TYPE", "admin"),
                env.get("CLIENT_ROLE_TYPE", "client"),
                // Above this many rows, "auto" hands the export to the worker at once. Measured on the
                // local run: 50 000 rows take 9-12 s synchronously, well inside API Gateway's 29 s;
                // an export slower than that is handed over when its time runs short anyway.
                env.getInt("ASYNC_ROW_THRESHOLD", 50_000),
                Math.max(1, env.getInt("MAX_RUNNING_EXPORTS_PER_USER", 2)),
                // The users of one client together, and the admins together (0: no such limit).
                Math.max(0, env.getInt("MAX_RUNNING_EXPORTS_PER_CLIENT", 4)),
                Math.max(0, env.getInt("MAX_RUNNING_ADMIN_EXPORTS", 4)),
                env.get("WORKER_FUNCTION_NAME", ""),
                // The API's own URL, for the status URL of exports that no request started (schedules).
                env.get("API_URL", ""),
                env.get("EVENT_BUS_NAME", "default"),
                // since_last_run: responses created or updated after the last run (Strapi sets updatedAt on both).
                env.get("INCREMENTAL_DATE_FIELD", "updatedAt"),
                env.get("RESPONSES_COLLECTION", "campaign-onboarding-responses"),
                env.get("CAMPAIGNS_COLLECTION", "campaigns"),
                env.get("RESPONSE_DATE_FIELD", "submittedAt"),
                env.get("RESPONSE_CAMPAIGN_FIELD", "campaign"),
                env.get("CAMPAIGN_CLIENT_FIELD", "client"),
                maxCsvColumns(env),
                // Browser origins that may read the API's answers; none unless the template lists some.
                env.get("CORS_ALLOWED_ORIGINS", ""));
    }

    /**
     * The flattened response columns of a CSV or XLSX file at most; the values of the others go to one
     * overflow column. An XLSX sheet holds 16 384 columns, the leading and overflow ones included.
     */
    private static int maxCsvColumns(Env env) {
        int max = env.getInt("MAX_CSV_COLUMNS", 500);
        if (max < 1 || max > 16_000) {
            throw new IllegalStateException("MAX_CSV_COLUMNS must be between 1 and 16000");
        }
        return max;
    }

    /** The attribute that identifies an entry in filters: documentId on Strapi 5, id on Strapi 4. */
    public String idField() {
        return strapiVersion == 5 ? "documentId" : "id";
    }
}
