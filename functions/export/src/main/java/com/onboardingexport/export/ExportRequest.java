package com.onboardingexport.export;

import java.time.ZoneId;
import java.util.List;

/** A validated export request: what to export, whatever its source (API body or schedule input). */
public record ExportRequest(List<String> campaignIds, DateRange dateRange, String dateRangeText, ZoneId zone,
                            FileFormat format, ExportMode mode) {
}
