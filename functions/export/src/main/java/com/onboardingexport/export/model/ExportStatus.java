package com.onboardingexport.export.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.onboardingexport.shared.ErrorBody;
import java.time.Instant;

/**
 * The status of an export, in small parts: whose it is, by when it must have finished, which run
 * claimed it, how far it got, how it ended, and (for a background export) the job it runs. Moved on
 * only here, {@code running → succeeded | failed}; the store ({@code ExportStatusStore}) keeps it
 * as {@code status/<export id>.json}.
 *
 * @param owner what the requester was allowed to see, so a later read re-checks against it
 * @param mustFinishBy when a run that has not finished is known dead
 * @param claim the worker run that runs it; null until one claimed it (and for a synchronous export)
 * @param job what the API function handed over; null but for a background export
 */
public record ExportStatus(String exportId, Principal owner, Instant createdAt, Instant mustFinishBy, Claim claim,
                           Progress progress, Outcome outcome, Job job) {
    public static final String RUNNING = "running";
    public static final String SUCCEEDED = "succeeded";
    public static final String FAILED = "failed";

    /** The worker run that claimed the export, and when. */
    public record Claim(String workerRequestId, Instant startedAt) {
    }

    /** Strapi's count of the rows to export, and how many are written so far. */
    public record Progress(long total, long rowsWritten) {
    }

    /** How the export stands: still running, or ended, once and for all. */
    public sealed interface Outcome permits Running, Succeeded, Failed {
        /** {@code running}, {@code succeeded} or {@code failed}. */
        String name();
    }

    public record Running() implements Outcome {
        @Override
        public String name() {
            return RUNNING;
        }
    }

    /**
     * Succeeded: the file it wrote, or none, with a word saying why ({@code since_last_run}: nothing new).
     *
     * @param file null when nothing was exported
     * @param message null but when nothing was exported
     */
    public record Succeeded(ExportedFile file, String message) implements Outcome {
        @Override
        public String name() {
            return SUCCEEDED;
        }
    }

    public record Failed(ErrorBody.Error error) implements Outcome {
        @Override
        public String name() {
            return FAILED;
        }
    }

    /**
     * What the API function handed over for a background export, kept with its status: the worker
     * runs what is stored here, as the owner stored here, whatever its event says.
     *
     * @param request the request with its date range resolved (the window of the POST)
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Job(ExportRequest request, String requestId, String statusUrl) {
    }

    public static ExportStatus running(String exportId, Principal owner, long total, Instant now, Instant mustFinishBy) {
        return new ExportStatus(exportId, owner, now, mustFinishBy, null, new Progress(total, 0), new Running(), null);
    }

    public ExportStatus withJob(Job handedOver) {
        return new ExportStatus(exportId, owner, createdAt, mustFinishBy, claim, progress, outcome, handedOver);
    }

    /** Claimed by a worker run, which must finish by its own deadline. */
    public ExportStatus claimed(String workerRequestId, Instant now, Instant runMustFinishBy) {
        return new ExportStatus(exportId, owner, createdAt, runMustFinishBy, new Claim(workerRequestId, now), progress, outcome, job);
    }

    /** Rows written so far. */
    public ExportStatus progressed(long rows) {
        return withProgress(new Progress(progress.total(), rows));
    }

    public ExportStatus succeeded(long totalRows, ExportedFile file) {
        return new ExportStatus(exportId, owner, createdAt, mustFinishBy, claim, new Progress(totalRows, file.recordCount()),
                new Succeeded(file, null), job);
    }

    /** Succeeded with nothing to export, saying why ({@code since_last_run}: nothing new). */
    public ExportStatus succeededEmpty(String why) {
        return new ExportStatus(exportId, owner, createdAt, mustFinishBy, claim, new Progress(0, 0), new Succeeded(null, why), job);
    }

    public ExportStatus failed(ErrorBody.Error failure) {
        return new ExportStatus(exportId, owner, createdAt, mustFinishBy, claim, progress, new Failed(failure), job);
    }

    private ExportStatus withProgress(Progress next) {
        return new ExportStatus(exportId, owner, createdAt, mustFinishBy, claim, next, outcome, job);
    }

    /** {@code running}, {@code succeeded} or {@code failed}. */
    public String status() {
        return outcome.name();
    }

    public boolean isRunning() {
        return outcome instanceof Running;
    }

    /** Still running by its record, but past the time by which its run must have finished. */
    public boolean pastDeadline(Instant now) {
        return isRunning() && mustFinishBy != null && !now.isBefore(mustFinishBy);
    }

    public boolean isScheduled() {
        return owner.isScheduled();
    }

    /** The file of a succeeded export; null for any other, and for one that had nothing to export. */
    public ExportedFile file() {
        return outcome instanceof Succeeded succeeded ? succeeded.file() : null;
    }

    /** Why a failed export failed; null for any other. */
    public ErrorBody.Error error() {
        return outcome instanceof Failed failed ? failed.error() : null;
    }

    /** Why a succeeded export holds no file; null otherwise. */
    public String message() {
        return outcome instanceof Succeeded succeeded ? succeeded.message() : null;
    }

    /** The worker run that claimed it; null when none did. */
    public String workerRequestId() {
        return claim == null ? null : claim.workerRequestId();
    }
}
