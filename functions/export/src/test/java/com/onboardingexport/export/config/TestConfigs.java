package com.onboardingexport.export.config;

import com.onboardingexport.shared.Env;
import java.util.Map;

/** Settings for the unit tests: the variables the template always sets, and the one a test varies. */
public final class TestConfigs {
    private TestConfigs() {
    }

    /** The settings with at most {@code maxColumns} flattened response columns in a CSV or XLSX file. */
    public static ExportConfig withMaxCsvColumns(int maxColumns) {
        return ExportConfig.from(new Env(Map.of("STRAPI_URL", "http://strapi.test", "STRAPI_API_TOKEN_SECRET_ARN", "secret",
                "EXPORT_BUCKET", "bucket", "MAX_CSV_COLUMNS", Integer.toString(maxColumns))));
    }
}
