package com.onboardingexport.export.lifecycle;

import com.onboardingexport.export.model.ExportRequest;
import com.onboardingexport.export.model.ExportResult;
import com.onboardingexport.export.model.ExportStatus;
import com.onboardingexport.export.model.Principal;
import com.onboardingexport.shared.ApiException;
import com.onboardingexport.shared.JsonLog;
import com.onboardingexport.shared.LambdaMetrics;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import software.amazon.lambda.powertools.metrics.model.MetricUnit;

/**
 * One audit line per export: who, what, how many rows, how long, and how it ended; and one per link
 * the status route re-signs. Never the data or the link. A finished export also writes one CloudWatch Embedded Metric Format line (rows,
 * bytes, seconds, by outcome and mode; {@link LambdaMetrics}), which CloudWatch turns into metrics with no API call.
 */
public final class ExportAudit {
    private ExportAudit() {
    }

    /** @param mode how it ran: {@code sync} (in the API function), {@code async} (handed to the worker) or {@code scheduled} */
    public static void log(String mode, String requestId, Principal principal, ExportRequest request, String outcome, String exportId,
                    Long records, Long sizeBytes, Throwable error, long startedNanos) {
        if (request != null) { // a request that did not parse is no export
            metrics(outcome, mode, exportId, records, sizeBytes, (System.nanoTime() - startedNanos) / 1e9);
        }
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
                "mode", mode,
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

    /**
     * The lines of an export that Lambda's failure record closed (its run died without writing
     * them): the audit line, and the metrics of a failed export, its time counted from its start.
     */
    public static void closedAfterFailure(String mode, String requestId, ExportStatus status, String lambdaRequestId, Instant now,
                                   long startedNanos) {
        Instant since = status.claim() != null && status.claim().startedAt() != null ? status.claim().startedAt() : status.createdAt();
        double seconds = since == null ? 0 : Math.max(0, java.time.Duration.between(since, now).toMillis() / 1e3);
        metrics("failed", mode, status.exportId(), 0L, 0L, seconds);
        JsonLog.error("export failed", null,
                "request_id", requestId,
                "lambda_request_id", lambdaRequestId,
                "user_id", status.owner().userId(),
                "role", status.owner().role(),
                "client_id", status.owner().clientId(),
                "schedule_name", status.owner().scheduleName(),
                "outcome", "failed",
                "mode", mode,
                "export_id", status.exportId(),
                "error_code", status.error() == null ? null : status.error().code(),
                "duration_ms", (System.nanoTime() - startedNanos) / 1_000_000);
    }

    /**
     * The audit line of a link re-signed by the status route: a new way into the file, so it is
     * audited like the export that made it. The user, role and client are the reader's (who got
     * the link); {@code mode} is how the export ran. No metrics: no export ran.
     */
    public static void resigned(String requestId, Principal reader, ExportStatus status, ExportResult link, long startedNanos) {
        String mode = status.isScheduled() ? "scheduled" : status.workerRequestId() != null ? "async" : "sync";
        JsonLog.info("export re-signed",
                "request_id", requestId,
                "user_id", reader.userId(),
                "role", reader.role(),
                "client_id", reader.clientId(),
                "owner_user_id", status.isScheduled() ? null : status.owner().userId(),
                "schedule_name", status.owner().scheduleName(),
                "file_format", link.file().format().extension(),
                "outcome", "re-signed",
                "action", "re-sign",
                "mode", mode,
                "export_id", status.exportId(),
                "record_count", link.file().recordCount(),
                "size_bytes", link.file().sizeBytes(),
                "expires_at", link.expiresAt().toString(),
                "duration_ms", (System.nanoTime() - startedNanos) / 1_000_000);
    }

    /**
     * The metrics of a finished export ("started", a 202, is not one), one EMF document through
     * Powertools Metrics: {@code Exports}, {@code ExportRows}, {@code ExportBytes}, {@code ExportSeconds}
     * by Service with Outcome and Mode (the dashboard's breakdown), with Outcome (the failure-rate alarm)
     * and alone (percentiles and totals over every export).
     */
    private static void metrics(String outcome, String mode, String exportId, Long records, Long sizeBytes, double seconds) {
        if (!"succeeded".equals(outcome) && !"failed".equals(outcome)) {
            return;
        }
        LambdaMetrics.flush(List.of(Map.of("Outcome", outcome, "Mode", mode), Map.of("Outcome", outcome)), metrics -> {
            metrics.addMetric("Exports", 1, MetricUnit.COUNT);
            metrics.addMetric("ExportRows", records == null ? 0 : records, MetricUnit.COUNT);
            metrics.addMetric("ExportBytes", sizeBytes == null ? 0 : sizeBytes, MetricUnit.BYTES);
            metrics.addMetric("ExportSeconds", seconds, MetricUnit.SECONDS);
            if (exportId != null) { // a failed synchronous export has none
                metrics.addMetadata("export_id", exportId);
            }
        });
    }

    public static void log(String mode, String requestId, Principal principal, ExportRequest request, String outcome, ExportResult result,
                    Throwable error, long startedNanos) {
        log(mode, requestId, principal, request, outcome, result == null ? null : result.exportId(),
                result == null ? null : result.file().recordCount(), result == null ? null : result.file().sizeBytes(), error, startedNanos);
    }
}
