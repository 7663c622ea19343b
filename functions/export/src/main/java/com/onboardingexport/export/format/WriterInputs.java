package com.onboardingexport.export.format;

import com.onboardingexport.export.config.ExportConfig;

/**
 * What a format's writer may need besides the rows: the settings, the request's CSV options, and
 * the head of a JSON file.
 */
public record WriterInputs(ExportConfig config, CsvOptions csv, ExportMetadata metadata) {
}
