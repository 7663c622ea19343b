package com.onboardingexport.export;

import com.onboardingexport.shared.ApiException;
import com.onboardingexport.shared.JsonLog;

/** One audit line per export: who, what, how many rows, how long, and how it ended. Never the data or the link. */
final class ExportAudit {
    private ExportAudit() {
    }

    static void log(String requestId, Principal principal, ExportRequest request, String outcome, String exportId,
                    Long records, Long sizeBytes, Throwable error, long startedNanos) {
        Object[] fields = {
                "request_id", requestId,
                "user_id", principal.userId(),
                "role", principal.role(),
                "client_id", principal.clientId(),
                "schedule_name", principal.scheduleName(),
                "campaign_ids", request == null ? null : request.campaignIds(),
                "date_range", request == null ? null : request.dateRangeText(),
                "file_format", request == null ? null : request.format().extension(),
                "outcome", outcome,
                "export_id", exportId,
                "record_count", records,
                "size_bytes", sizeBytes,
                "error_code", error instanceof ApiException api ? api.code().name() : error == null ? null : "INTERNAL",
                "duration_ms", (System.nanoTime() - startedNanos) / 1_000_000};
        if (error == null || (error instanceof ApiException api && api.code().status() < 500)) {
            JsonLog.info("export " + outcome, fields);
        } else {
            JsonLog.error("export " + outcome, error, fields);
        }
    }

    static void log(String requestId, Principal principal, ExportRequest request, String outcome, ExportResult result,
                    Throwable error, long startedNanos) {
        log(requestId, principal, request, outcome, result == null ? null : result.exportId(),
                result == null ? null : result.recordCount(), result == null ? null : result.sizeBytes(), error, startedNanos);
    }
}
