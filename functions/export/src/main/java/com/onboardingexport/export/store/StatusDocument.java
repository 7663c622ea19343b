package com.onboardingexport.export.store;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.onboardingexport.export.format.Compression;
import com.onboardingexport.export.format.FileFormat;
import com.onboardingexport.export.model.ExportStatus;
import com.onboardingexport.export.model.ExportedFile;
import com.onboardingexport.export.model.Principal;
import com.onboardingexport.export.model.Stamped;
import com.onboardingexport.shared.ErrorBody;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * An {@link ExportStatus} as stored, {@code status/<export id>.json}: one flat snake_case object,
 * times as ISO-8601 instants, absent parts left out, and the {@code write_id} and
 * {@code updated_at} of the write that stored it. Mapped from and to the typed status here only.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
record StatusDocument(String exportId, String status, String ownerUserId, String ownerRole, String ownerClientId,
                      String scheduleName, String createdAt, String updatedAt, String mustFinishBy, long total,
                      long rowsWritten, String workerRequestId, String startedAt, String writeId, FileDocument result,
                      ErrorBody.Error error, String message, ExportStatus.Job job) implements Stamped<StatusDocument> {

    /** The file of a succeeded export, as stored. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record FileDocument(String key, String filename, String fileFormat, String compression, long recordCount, long sizeBytes,
                        String overflowColumn, List<String> fieldsNotFound, Long cellsTruncated, Long rowsDegraded) {

        static FileDocument of(ExportedFile file) {
            return new FileDocument(file.key(), file.filename(), file.format().extension(),
                    file.compression() == Compression.NONE ? null : file.compression().value(), file.recordCount(), file.sizeBytes(),
                    file.overflowColumn(), file.fieldsNotFound(), file.cellsTruncated(), file.rowsDegraded());
        }

        ExportedFile toFile() {
            return ExportedFile.builder().key(key).filename(filename)
                    .format(FileFormat.valueOf(fileFormat.toUpperCase(Locale.ROOT)))
                    .compression(compression == null ? Compression.NONE : Compression.valueOf(compression.toUpperCase(Locale.ROOT)))
                    .recordCount(recordCount).sizeBytes(sizeBytes).overflowColumn(overflowColumn).fieldsNotFound(fieldsNotFound)
                    .cellsTruncated(cellsTruncated).rowsDegraded(rowsDegraded).build();
        }
    }

    /** The status to store; its write stamp comes with the write ({@link #written}). */
    static StatusDocument of(ExportStatus status) {
        Principal owner = status.owner();
        ExportStatus.Claim claim = status.claim();
        ExportedFile file = status.file();
        return new StatusDocument(status.exportId(), status.status(), owner.userId(), owner.role(), owner.clientId(),
                owner.scheduleName(), text(status.createdAt()), null, text(status.mustFinishBy()), status.progress().total(),
                status.progress().rowsWritten(), claim == null ? null : claim.workerRequestId(),
                claim == null ? null : text(claim.startedAt()), null, file == null ? null : FileDocument.of(file), status.error(),
                status.message(), status.job());
    }

    /** The typed status; an {@link IllegalArgumentException} when a stored value is not one it can hold. */
    ExportStatus toStatus() {
        if (status == null) {
            throw new IllegalArgumentException("a status without its status");
        }
        ExportStatus.Outcome outcome = switch (status) {
            case ExportStatus.RUNNING -> new ExportStatus.Running();
            case ExportStatus.SUCCEEDED -> new ExportStatus.Succeeded(result == null ? null : result.toFile(), message);
            case ExportStatus.FAILED -> new ExportStatus.Failed(error);
            default -> throw new IllegalArgumentException("an unknown status: " + status);
        };
        return new ExportStatus(exportId, new Principal(orEmpty(ownerUserId), orEmpty(ownerRole), orEmpty(ownerClientId), scheduleName),
                instant(createdAt), instant(mustFinishBy),
                workerRequestId == null && startedAt == null ? null : new ExportStatus.Claim(workerRequestId, instant(startedAt)),
                new ExportStatus.Progress(total, rowsWritten), outcome, job);
    }

    @Override
    public StatusDocument written(String newWriteId, Instant now) {
        return new StatusDocument(exportId, status, ownerUserId, ownerRole, ownerClientId, scheduleName, createdAt, now.toString(),
                mustFinishBy, total, rowsWritten, workerRequestId, startedAt, newWriteId, result, error, message, job);
    }

    private static String text(Instant instant) {
        return instant == null ? null : instant.toString();
    }

    private static Instant instant(String text) {
        return text == null ? null : Instant.parse(text);
    }

    private static String orEmpty(String text) {
        return text == null ? "" : text;
    }
}
