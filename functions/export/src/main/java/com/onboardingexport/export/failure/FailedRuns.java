package com.onboardingexport.export.failure;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.onboardingexport.export.config.ExportConfig;
import com.onboardingexport.export.lifecycle.ExportAudit;
import com.onboardingexport.export.lifecycle.ExportEvents;
import com.onboardingexport.export.lifecycle.ExportLifecycle;
import com.onboardingexport.export.model.BackgroundExportEvent;
import com.onboardingexport.export.model.ExportJob;
import com.onboardingexport.export.model.ExportRequest;
import com.onboardingexport.export.model.ExportStatus;
import com.onboardingexport.export.model.Principal;
import com.onboardingexport.export.model.ScheduledTick;
import com.onboardingexport.export.model.WorkerEvent;
import com.onboardingexport.export.store.ExportStatusStore;
import com.onboardingexport.export.store.RunningExports;
import com.onboardingexport.shared.ApiException;
import com.onboardingexport.shared.ErrorBody;
import com.onboardingexport.shared.ErrorCode;
import com.onboardingexport.shared.Json;
import com.onboardingexport.shared.JsonLog;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;

/** The worker runs that died: Lambda's failure records, each closing the export its run left running. */
final class FailedRuns {
    private final ExportConfig config;
    private final ExportStatusStore statuses;
    private final RunningExports runningExports;
    private final ExportLifecycle lifecycle;
    private final ExportEvents events;
    private final Clock clock;

    FailedRuns(ExportConfig config, ExportStatusStore statuses, RunningExports runningExports, ExportLifecycle lifecycle,
               ExportEvents events, Clock clock) {
        this.config = config;
        this.statuses = statuses;
        this.runningExports = runningExports;
        this.lifecycle = lifecycle;
        this.events = events;
        this.clock = clock;
    }

    /**
     * Lambda's failure record of a worker run (in the failure function): the run it names ended
     * without finishing (its JVM killed, a crash, Lambda's timeout, an event too old to run), so its
     * export is marked failed now, by the same conditional writes as every other end: a status
     * already finished stays as it is, and an export that another delivery of its job is running is
     * left to it. Only the write that ends the export puts its {@code Export Failed} event; the
     * user's place is given back. A scheduled run's export is found by its tick
     * ({@link ScheduledTick#exportId}); one that died before writing its status gets a failed one, so
     * its notice still goes out. Whose place it was, and where its status is read, come from the
     * stored status, not from the record's copy of the event. The schedule's mark is never touched: the next run covers the window.
     *
     * @return what became of the export, for the function's answer and log
     */
    ObjectNode closeFailedRun(LambdaFailureRecord record) {
        long started = System.nanoTime();
        FailedRun run = FailedRun.of(record, config.apiUrl());
        ObjectNode outcome = Json.MAPPER.createObjectNode().put("lambda_request_id", record.requestId());
        if (run == null || !ExportLifecycle.EXPORT_ID.matcher(run.exportId()).matches()) {
            JsonLog.warn("failure record of no export run: nothing to close", "lambda_request_id", record.requestId());
            return outcome.put("outcome", "ignored");
        }
        outcome.put("export_id", run.exportId()).put("mode", run.mode());
        JsonLog.put("export_id", run.exportId());
        ErrorBody.Error error = new ApiException(record.code(), (record.code() == ErrorCode.EXPORT_TIMED_OUT
                ? "The export did not finish in the time it had" : "The export stopped before it finished")
                + " (Lambda reported " + record.reported() + "); quote request id " + run.requestId() + " when reporting it")
                .error(run.requestId());
        Optional<ExportStatusStore.Versioned> found = statuses.find(run.exportId());
        ExportLifecycle.Closed closed;
        if (found.isEmpty()) {
            if (run.scheduled() == null) {
                JsonLog.warn("failure record of an unknown export: nothing to close", "export_id", run.exportId(),
                        "lambda_request_id", record.requestId());
                return outcome.put("outcome", "unknown");
            }
            Instant now = clock.instant();
            Optional<ExportStatusStore.Versioned> created = statuses.createIfAbsent(ExportStatus.running(run.exportId(), run.scheduled(),
                    0, now, now).claimed(record.requestId(), now, now).failed(error));
            closed = created.isPresent() ? new ExportLifecycle.Closed(created.get().status(), true) : fail(found(run.exportId()), error);
        } else if (runningElsewhere(found.get().status(), record)) {
            return outcome.put("outcome", "running elsewhere");
        } else {
            ExportStatus stored = found.get().status();
            if (!stored.isScheduled() && !stored.owner().userId().isEmpty()) {
                // Before the status: whoever reads failed may start another export at once.
                runningExports.giveBack(stored.owner(), run.exportId());
            }
            if (stored.job() != null) {
                run = run.at(stored.job().statusUrl(), stored.job().request());
            }
            closed = fail(found.get(), error);
        }
        if (closed.byThisWrite()) {
            events.announce(closed.status(), run.mode(), run.fileFormat(), run.statusUrl());
            ExportAudit.closedAfterFailure(run.mode(), run.requestId(), closed.status(), record.requestId(), clock.instant(), started);
        }
        return outcome.put("outcome", closed.byThisWrite() ? "closed" : "already finished").put("status", closed.status().status());
    }

    /** Another delivery of the job holds the export: claimed under another request id, and within its time. */
    private boolean runningElsewhere(ExportStatus status, LambdaFailureRecord record) {
        String runner = status.workerRequestId();
        if (!status.isRunning() || runner == null || runner.equals(record.requestId()) || status.pastDeadline(clock.instant())) {
            return false;
        }
        JsonLog.warn("failure record of a delivery that did not run the export: another one does", "export_id", status.exportId(),
                "lambda_request_id", record.requestId(), "worker_request_id", runner);
        return true;
    }

    /** Fails a running export; a finished status comes back as it is. */
    private ExportLifecycle.Closed fail(ExportStatusStore.Versioned current, ErrorBody.Error error) {
        return current.status().isRunning() ? lifecycle.close(current, current.status().failed(error))
                : new ExportLifecycle.Closed(current.status(), false);
    }

    private ExportStatusStore.Versioned found(String exportId) {
        return statuses.find(exportId).orElseThrow(() -> new ApiException(ErrorCode.STORAGE_ERROR,
                "The export's status could not be read back"));
    }

    /**
     * The export a failure record is about: a background export's job names it; a scheduled run's is
     * derived from its tick. Null for any other event.
     *
     * @param scheduled the schedule's principal (a status can be created for it); null for a background export
     */
    record FailedRun(String exportId, String mode, String requestId, String fileFormat, String statusUrl, Principal scheduled) {
        /** The same run with what its stored status says (the record's event copy is not to be trusted). */
        FailedRun at(String storedStatusUrl, ExportRequest storedRequest) {
            return new FailedRun(exportId, mode, requestId, fileFormat(storedRequest), storedStatusUrl, scheduled);
        }

        static FailedRun of(LambdaFailureRecord record, String apiUrl) {
            JsonNode payload = record.requestPayload();
            WorkerEvent event;
            try {
                event = WorkerEvent.read(payload);
            } catch (IllegalArgumentException e) {
                return null;
            }
            return switch (event) {
                case BackgroundExportEvent export -> {
                    ExportJob job = export.job();
                    yield new FailedRun(job.exportId() == null ? "" : job.exportId(), "async",
                            job.requestId() == null ? record.requestId() : job.requestId(), fileFormat(job.request()), job.statusUrl(), null);
                }
                case ScheduledTick tick -> {
                    String exportId = tick.exportId();
                    yield new FailedRun(exportId, "scheduled", record.requestId(), payload.path("file_format").asText("csv"),
                            apiUrl == null || apiUrl.isEmpty() ? null : apiUrl + "/exports/onboarding/" + exportId,
                            Principal.schedule(tick.scheduleName(), tick.clientId()));
                }
            };
        }

        private static String fileFormat(ExportRequest request) {
            return request == null ? "csv" : request.format().extension();
        }
    }
}
