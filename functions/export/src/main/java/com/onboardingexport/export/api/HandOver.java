package com.onboardingexport.export.api;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.onboardingexport.export.config.ExportConfig;
import com.onboardingexport.export.model.BackgroundExportEvent;
import com.onboardingexport.export.model.ExportJob;
import com.onboardingexport.export.model.ExportRequest;
import com.onboardingexport.export.model.ExportStatus;
import com.onboardingexport.export.model.Principal;
import com.onboardingexport.export.service.ExportService;
import com.onboardingexport.export.store.ExportStatusStore;
import com.onboardingexport.export.store.RunningExports;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * The hand-over of an export to the worker, and its 202: the status {@code running} (with the job,
 * which the worker runs whatever its event says), a place against its user's limits, and an
 * asynchronous invocation of the worker. Whatever fails on the way leaves neither status nor place.
 */
public final class HandOver {
    /**
     * By when a started export must have finished before its worker begins: the time its event may
     * wait in Lambda's queue (MaximumEventAgeInSeconds, 300) plus the worker's timeout (900), both
     * set in template.yaml. Once the worker begins, its own remaining time replaces it.
     */
    static final Duration UNCLAIMED_DEADLINE = Duration.ofSeconds(300 + 900);

    private final ExportConfig config;
    private final ExportStatusStore statuses;
    private final RunningExports runningExports;
    private final BackgroundInvoker worker;
    private final Clock clock;

    public HandOver(ExportConfig config, ExportStatusStore statuses, RunningExports runningExports, BackgroundInvoker worker,
                    Clock clock) {
        this.config = config;
        this.statuses = statuses;
        this.runningExports = runningExports;
        this.worker = worker;
        this.clock = clock;
    }

    /** The 202 body of an export handed to the worker. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Accepted(String exportId, String status, String statusUrl) {
    }

    /** Records the export as running, hands it to the worker, and returns the 202 body. */
    public Accepted start(ExportService.Plan plan, String requestId, String statusUrlBase) {
        return start(plan, ExportService.newExportId(), requestId, statusUrlBase);
    }

    /** As {@link #start(ExportService.Plan, String, String)}, under an export id chosen before (an idempotency key's). */
    public Accepted start(ExportService.Plan plan, String exportId, String requestId, String statusUrlBase) {
        Principal owner = plan.principal();
        Instant now = clock.instant();
        Instant mustFinishBy = now.plus(UNCLAIMED_DEADLINE);
        runningExports.takeOrRefuse(owner, exportId, mustFinishBy, now);
        String statusUrl = statusUrlBase + exportId;
        ExportRequest resolved = plan.request().resolved();
        try {
            statuses.create(ExportStatus.running(exportId, owner, plan.total(), now, mustFinishBy)
                    .withJob(new ExportStatus.Job(resolved, requestId, statusUrl)));
        } catch (RuntimeException e) {
            runningExports.giveBack(owner, exportId);
            throw e;
        }
        ExportJob job = new ExportJob(exportId, now.toString(), requestId,
                new ExportJob.Owner(owner.userId(), owner.role(), owner.clientId()), resolved, statusUrl);
        try {
            worker.start(config.workerFunction(), new BackgroundExportEvent(job).toJson());
        } catch (RuntimeException e) {
            statuses.delete(exportId);
            runningExports.giveBack(owner, exportId);
            throw e;
        }
        return new Accepted(exportId, ExportStatus.RUNNING, statusUrl);
    }
}
