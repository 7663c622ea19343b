package com.onboardingexport.export.worker;

import com.amazonaws.services.lambda.runtime.Context;
import com.onboardingexport.export.lifecycle.ExportAudit;
import com.onboardingexport.export.lifecycle.ExportEvents;
import com.onboardingexport.export.lifecycle.ExportLifecycle;
import com.onboardingexport.export.model.ExportRequest;
import com.onboardingexport.export.model.ExportStatus;
import com.onboardingexport.export.model.ExportedFile;
import com.onboardingexport.export.model.Principal;
import com.onboardingexport.export.service.ExportService;
import com.onboardingexport.export.store.ExportStatusStore;
import com.onboardingexport.shared.ApiException;
import com.onboardingexport.shared.Deadline;
import com.onboardingexport.shared.ErrorCode;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.LongConsumer;

/**
 * Runs a claimed export to its end in the worker, a background job's or a schedule tick's alike:
 * plan, write, store, then the final status, its event and its audit line; its progress is recorded
 * every few seconds on the way.
 */
final class ExportRunner {
    private static final Duration PROGRESS_INTERVAL = Duration.ofSeconds(5);
    private static final Duration SAFETY_MARGIN = Duration.ofSeconds(1);

    private final ExportService service;
    private final ExportStatusStore statuses;
    private final ExportLifecycle lifecycle;
    private final ExportEvents events;

    ExportRunner(ExportService service, ExportStatusStore statuses, ExportLifecycle lifecycle, ExportEvents events) {
        this.service = service;
        this.statuses = statuses;
        this.lifecycle = lifecycle;
        this.events = events;
    }

    /**
     * Where a run's request comes from: a job's, as it was stored; a schedule's input, read when its
     * run starts, so that an input that is not a request fails the run (400) like any other failure.
     */
    @FunctionalInterface
    interface RequestSource {
        ExportRequest read();
    }

    /**
     * What one run exports: its request, the file format its event names should the request not
     * read, when it was asked for, how it runs ({@code async} or {@code scheduled}), and what to
     * say when nothing matches: null, a failure (NO_DATA); else a succeeded export with no file,
     * saying so (a schedule's "nothing new").
     */
    record Run(RequestSource request, String fileFormat, Instant requestedAt, String mode, String requestId, String nothingNew,
               String statusUrl) {
    }

    /**
     * Runs a claimed export to its end, announces it, and returns the final status; rethrows what
     * Lambda must count as a failure.
     */
    ExportStatus runClaimed(ExportStatusStore.Versioned claimed, Run run, Principal principal, Context context, long started) {
        Progress progress = new Progress(claimed);
        String exportId = claimed.status().exportId();
        ExportRequest request = null;
        try {
            request = run.request().read();
            Deadline deadline = Deadline.in(Duration.ofMillis(context.getRemainingTimeInMillis()).minus(SAFETY_MARGIN));
            ExportService.Plan plan;
            try {
                plan = service.plan(principal, request, deadline);
            } catch (ApiException e) {
                if (e.code() != ErrorCode.NO_DATA || run.nothingNew() == null) {
                    throw e;
                }
                ExportStatus empty = lifecycle.finish(progress.current, progress.current.status().succeededEmpty(run.nothingNew()));
                announce(empty, run);
                ExportAudit.log(run.mode(), run.requestId(), principal, request, "succeeded", exportId, 0L, 0L, null, started);
                return empty;
            }
            ExportedFile file = service.store(plan, exportId, run.requestedAt(), deadline, progress);
            ExportStatus done = lifecycle.finish(progress.current,
                    progress.current.status().succeeded(plan.total(), file));
            announce(done, run);
            ExportAudit.log(run.mode(), run.requestId(), principal, request, "succeeded", exportId, file.recordCount(), file.sizeBytes(), null,
                    started);
            return done;
        } catch (RuntimeException | Error e) {
            ApiException failure = e instanceof ApiException api ? api
                    : new ApiException(ErrorCode.INTERNAL, "Internal error; quote request id " + run.requestId() + " when reporting it", e);
            ExportStatus failed = progress.current.status().failed(failure.error(run.requestId()));
            try {
                failed = lifecycle.finish(progress.current, failed);
                announce(failed, run);
            } catch (RuntimeException storing) {
                e.addSuppressed(storing); // the deadline reports it then
            }
            ExportAudit.log(run.mode(), run.requestId(), principal, request, "failed", exportId, null, null, e, started);
            if (e instanceof Error error) {
                throw error;
            }
            if (failure.code().status() >= 500) {
                throw failure;
            }
            return failed;
        }
    }

    /** The event of a finished export; a status the run could not store is reported by its deadline, not here. */
    void announce(ExportStatus finished, Run run) {
        if (!finished.isRunning()) {
            events.announce(finished, run.mode(), run.fileFormat(), run.statusUrl());
        }
    }

    /** Records rows written every few seconds, conditionally; stops once another writer has finished the export. */
    private final class Progress implements LongConsumer {
        private ExportStatusStore.Versioned current;
        private long lastWrite = System.nanoTime();
        private boolean finishedElsewhere;

        Progress(ExportStatusStore.Versioned claimed) {
            this.current = claimed;
        }

        @Override
        public void accept(long rows) {
            if (finishedElsewhere || System.nanoTime() - lastWrite < PROGRESS_INTERVAL.toNanos()) {
                return;
            }
            lastWrite = System.nanoTime();
            Optional<ExportStatusStore.Versioned> written = statuses.replace(current, current.status().progressed(rows));
            if (written.isPresent()) {
                current = written.get();
                return;
            }
            Optional<ExportStatusStore.Versioned> reread = statuses.find(current.status().exportId());
            if (reread.isEmpty() || !reread.get().status().isRunning()) {
                finishedElsewhere = true;
            } else {
                current = reread.get();
            }
        }
    }
}
