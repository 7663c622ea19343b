package com.onboardingexport.export.model;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.onboardingexport.export.format.Compression;
import com.onboardingexport.export.format.FileFormat;
import com.onboardingexport.shared.ErrorBody;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * The status object of a background export ({@code status/<export id>.json}), snake_case JSON.
 * Built and moved on only here; the store ({@code ExportStatusStore}) reads and writes it. Times are ISO-8601
 * instants. {@code owner_role} and {@code owner_client_id} record what the requester was allowed to
 * see, so a later read re-checks against them; {@code must_finish_by} is when a run that has not
 * finished is known dead.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ExportStatus(String exportId, String status, String ownerUserId, String ownerRole, String ownerClientId,
                           String scheduleName, String createdAt, String updatedAt, String mustFinishBy, long total,
                           long rowsWritten, String workerRequestId, String startedAt, String writeId, Result result,
                           ErrorBody.Error error, String message, Job job) implements Stamped<ExportStatus> {
    public static final String RUNNING = "running";
    public static final String SUCCEEDED = "succeeded";
    public static final String FAILED = "failed";

    /**
     * The file a succeeded export wrote.
     *
     * @param overflowColumn the column holding values whose columns did not fit; null when all fit
     * @param fieldsNotFound the {@code fields} asked for that matched nothing; null when none were asked for
     * @param compression {@code gzip} for a compressed file; null when it is not
     * @param cellsTruncated the XLSX cells cut to what a cell holds; null when none were
     * @param rowsDegraded the responses that could not be read whole, exported with {@code row_error}
     *     instead of their own fields; null when none were
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Result(String key, String filename, String fileFormat, String compression, long recordCount, long sizeBytes,
                         String overflowColumn, List<String> fieldsNotFound, Long cellsTruncated, Long rowsDegraded) {
        public static Result of(ExportedFile file) {
            return new Result(file.key(), file.filename(), file.format().extension(),
                    file.compression() == Compression.NONE ? null : file.compression().value(), file.rows(), file.sizeBytes(),
                    file.overflowColumn(), file.fieldsNotFound(), file.cellsTruncated(), file.rowsDegraded());
        }

        @JsonIgnore
        public FileFormat format() {
            return FileFormat.valueOf(fileFormat.toUpperCase(Locale.ROOT));
        }

        /** What the object is sent as: the format's type, or gzip's for a compressed file. */
        @JsonIgnore
        public String contentType() {
            return compression == null ? format().contentType() : Compression.GZIP_CONTENT_TYPE;
        }
    }

    public static ExportStatus running(String exportId, Principal owner, long total, Instant now, Instant mustFinishBy) {
        return new ExportStatus(exportId, RUNNING, owner.userId(), owner.role(), owner.clientId(), owner.scheduleName(),
                now.toString(), null, mustFinishBy.toString(), total, 0, null, null, null, null, null, null, null);
    }

    /**
     * What the API function handed over for a background export, kept with its status: the worker
     * runs what is stored here, as the owner stored here, whatever its event says.
     *
     * @param request the request with its date range resolved (the window of the POST)
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Job(com.fasterxml.jackson.databind.JsonNode request, String requestId, String statusUrl) {
    }

    /** The owner this status records, as the principal a run acts for. */
    public Principal owner() {
        return new Principal(ownerUserId == null ? "" : ownerUserId, ownerRole == null ? "" : ownerRole,
                ownerClientId == null ? "" : ownerClientId, scheduleName);
    }

    public ExportStatus withJob(Job handedOver) {
        return new ExportStatus(exportId, status, ownerUserId, ownerRole, ownerClientId, scheduleName, createdAt, updatedAt, mustFinishBy,
                total, rowsWritten, workerRequestId, startedAt, writeId, result, error, message, handedOver);
    }

    @JsonIgnore
    public boolean isRunning() {
        return RUNNING.equals(status);
    }

    /** Still running by its record, but past the time by which its run must have finished. */
    public boolean pastDeadline(Instant now) {
        return isRunning() && mustFinishBy != null && !now.isBefore(Instant.parse(mustFinishBy));
    }

    public ExportStatus claimed(String workerRequestId, Instant now, Instant mustFinishBy) {
        return new ExportStatus(exportId, status, ownerUserId, ownerRole, ownerClientId, scheduleName, createdAt, updatedAt, mustFinishBy.toString(),
                total, rowsWritten, workerRequestId, now.toString(), writeId, result, error, message, job);
    }

    public ExportStatus progress(long rows) {
        return new ExportStatus(exportId, status, ownerUserId, ownerRole, ownerClientId, scheduleName, createdAt, updatedAt, mustFinishBy,
                total, rows, workerRequestId, startedAt, writeId, result, error, message, job);
    }

    public ExportStatus succeeded(long totalRows, Result file) {
        return new ExportStatus(exportId, SUCCEEDED, ownerUserId, ownerRole, ownerClientId, scheduleName, createdAt, updatedAt, mustFinishBy,
                totalRows, file.recordCount(), workerRequestId, startedAt, writeId, file, null, message, job);
    }

    /** Succeeded with nothing to export, saying why ({@code since_last_run}: nothing new). */
    public ExportStatus succeededEmpty(String why) {
        return new ExportStatus(exportId, SUCCEEDED, ownerUserId, ownerRole, ownerClientId, scheduleName, createdAt, updatedAt,
                mustFinishBy, 0, 0, workerRequestId, startedAt, writeId, null, null, why, job);
    }

    public ExportStatus failed(ErrorBody.Error failure) {
        return new ExportStatus(exportId, FAILED, ownerUserId, ownerRole, ownerClientId, scheduleName, createdAt, updatedAt, mustFinishBy,
                total, rowsWritten, workerRequestId, startedAt, writeId, null, failure, message, job);
    }

    /** A word for the reader, such as why a succeeded scheduled export holds no rows. */
    public ExportStatus withMessage(String text) {
        return new ExportStatus(exportId, status, ownerUserId, ownerRole, ownerClientId, scheduleName, createdAt, updatedAt, mustFinishBy,
                total, rowsWritten, workerRequestId, startedAt, writeId, result, error, text, job);
    }

    @JsonIgnore
    public boolean isScheduled() {
        return scheduleName != null;
    }

    @Override
    public ExportStatus written(String newWriteId, Instant now) {
        return new ExportStatus(exportId, status, ownerUserId, ownerRole, ownerClientId, scheduleName, createdAt, now.toString(), mustFinishBy,
                total, rowsWritten, workerRequestId, startedAt, newWriteId, result, error, message, job);
    }
}
