package com.onboardingexport.export.worker;

import com.amazonaws.services.lambda.runtime.Context;
import com.onboardingexport.export.lifecycle.ExportLifecycle;
import com.onboardingexport.export.model.ExportJob;
import com.onboardingexport.export.model.ExportRequest;
import com.onboardingexport.export.model.ExportStatus;
import com.onboardingexport.export.model.Principal;
import com.onboardingexport.export.store.ExportStatusStore;
import com.onboardingexport.export.store.RunningExports;
import com.onboardingexport.shared.ApiException;
import com.onboardingexport.shared.ErrorCode;
import com.onboardingexport.shared.JsonLog;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;

/** The background exports the API function hands over, run in the worker: claimed once, run to their end. */
final class JobRuns {
    private final ExportStatusStore statuses;
    private final RunningExports runningExports;
    private final ExportLifecycle lifecycle;
    private final ExportRunner runner;
    private final Clock clock;

    JobRuns(ExportStatusStore statuses, RunningExports runningExports, ExportLifecycle lifecycle, ExportRunner runner, Clock clock) {
        this.statuses = statuses;
        this.runningExports = runningExports;
        this.lifecycle = lifecycle;
        this.runner = runner;
        this.clock = clock;
    }

    /**
     * Runs an export handed over by the API function. It first claims the export (a conditional
     * write), so of two deliveries of one job only one runs it; a delivery too late for the deadline
     * marks it failed. Whatever ends the run, its status ends finished, unless Lambda itself kills
     * it, which the deadline then reports. A failure that is ours (5xx) or an {@code Error} is
     * rethrown, so Lambda sends the event to the dead-letter queue.
     *
     * <p>Of its event only the export id counts: whoever may invoke the worker could write the rest.
     * The owner, the request and the status URL are the ones the API function stored with the status.
     */
    void run(ExportJob job, Context context) {
        long started = System.nanoTime();
        String exportId = job.exportId() == null ? "" : job.exportId();
        JsonLog.put("export_id", exportId);
        Optional<ExportStatusStore.Versioned> found = ExportLifecycle.EXPORT_ID.matcher(exportId).matches()
                ? statuses.find(exportId) : Optional.empty();
        if (found.isEmpty() || !found.get().status().isRunning() || found.get().status().isScheduled()) {
            JsonLog.warn("background export skipped: unknown or already finished", "export_id", exportId,
                    "request_id", context.getAwsRequestId(), "status", found.map(v -> v.status().status()).orElse("none"));
            return;
        }
        ExportStatusStore.Versioned current = found.get();
        ExportStatus.Job stored = current.status().job();
        // A status stored before jobs were kept with it (an export in flight during an update): its
        // owner is still the stored one, so the event can at most re-ask that user's own export.
        ExportRequest request = stored != null ? stored.request() : job.request();
        String requestId = stored != null && stored.requestId() != null ? stored.requestId() : context.getAwsRequestId();
        String statusUrl = stored != null ? stored.statusUrl() : job.statusUrl();
        Principal principal = current.status().owner();
        principal.putInLogContext();
        if (current.status().workerRequestId() != null && !current.status().pastDeadline(clock.instant())) {
            // Not this delivery's: the one that runs it gives back its place.
            JsonLog.warn("background export skipped: another delivery runs it", "export_id", exportId, "request_id", requestId);
            return;
        }
        boolean ended = true;
        try {
            if (current.status().pastDeadline(clock.instant())) {
                lifecycle.finish(current, current.status().failed(ExportLifecycle.timedOut(requestId)));
                JsonLog.warn("background export delivered after its deadline", "export_id", exportId, "request_id", requestId);
                return;
            }
            Instant now = clock.instant();
            Optional<ExportStatusStore.Versioned> claimed = statuses.replace(current, current.status()
                    .claimed(context.getAwsRequestId(), now, now.plusMillis(context.getRemainingTimeInMillis())));
            if (claimed.isEmpty()) {
                ended = false;
                JsonLog.warn("background export skipped: claimed or finished by another delivery", "export_id", exportId);
                return;
            }
            runner.runClaimed(claimed.get(), new ExportRunner.Run(() -> readable(request), fileFormat(request),
                    current.status().createdAt(), "async", requestId, null, statusUrl), principal, context, started);
        } finally {
            if (ended) {
                runningExports.giveBack(principal, exportId);
            }
        }
    }

    /** A job without a readable request (an event written by hand, for a status kept without its job) fails its run. */
    private static ExportRequest readable(ExportRequest request) {
        if (request == null) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, "The background export's job holds no request it can run");
        }
        return request;
    }

    private static String fileFormat(ExportRequest request) {
        return request == null ? "csv" : request.format().extension();
    }
}
