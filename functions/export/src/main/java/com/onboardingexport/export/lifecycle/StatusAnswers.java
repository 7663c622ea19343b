package com.onboardingexport.export.lifecycle;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.onboardingexport.export.model.ExportResult;
import com.onboardingexport.export.model.ExportStatus;
import com.onboardingexport.export.service.ExportService;
import com.onboardingexport.shared.Json;
import java.time.Clock;
import java.util.function.Consumer;

/**
 * A status as the status endpoint answers it (and, without a link, as the scheduled function
 * answers a tick): a status still running past its deadline reads {@code failed}.
 */
public final class StatusAnswers {
    private final ExportService service;
    private final Clock clock;

    public StatusAnswers(ExportService service, Clock clock) {
        this.service = service;
        this.clock = clock;
    }

    /**
     * A status as the status endpoint answers it: once succeeded, a freshly signed link, told to
     * {@code signed}; with {@code signed} null, the same answer without a link (the worker's).
     */
    public ObjectNode answer(ExportStatus stored, String requestId, Consumer<ExportResult> signed) {
        ExportStatus status = stored.pastDeadline(clock.instant()) ? stored.failed(ExportLifecycle.timedOut(requestId)) : stored;
        String exportId = status.exportId();
        ObjectNode body;
        if (ExportStatus.SUCCEEDED.equals(status.status()) && status.result() != null) {
            ExportResult link = signed == null ? new ExportResult(exportId, null, null, status.result()) : service.signed(exportId, status.result());
            if (signed != null) {
                signed.accept(link);
            }
            body = link.toJson();
            body.put("status", status.status());
        } else {
            body = Json.MAPPER.createObjectNode();
            body.put("export_id", exportId);
            body.put("status", status.status());
            if (ExportStatus.FAILED.equals(status.status())) {
                body.set("error", Json.MAPPER.valueToTree(status.error()));
            } else if (ExportStatus.SUCCEEDED.equals(status.status())) {
                body.put("record_count", 0);
            } else {
                body.put("rows_written", status.rowsWritten());
                body.put("total", status.total());
            }
        }
        if (status.scheduleName() != null) {
            body.put("schedule_name", status.scheduleName());
        }
        if (status.message() != null) {
            body.put("message", status.message());
        }
        return body;
    }
}
