package com.onboardingexport.export.lifecycle;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.onboardingexport.export.model.ExportResult;
import com.onboardingexport.export.model.ExportStatus;
import com.onboardingexport.export.model.ExportedFile;
import com.onboardingexport.export.model.FileAnswer;
import com.onboardingexport.export.service.ExportService;
import com.onboardingexport.shared.ErrorBody;
import java.time.Clock;
import java.util.function.Consumer;

/**
 * A status as the status endpoint answers it (and, without a link, as the scheduled function
 * answers a tick): a status still running past its deadline reads {@code failed}.
 */
public final class StatusAnswers {
    /**
     * The answer of a status, one record per shape; each ends with the schedule's name and the
     * status's message where it has them. Written, never read.
     */
    public sealed interface StatusAnswer permits RunningAnswer, FailedAnswer, EmptyAnswer, FileStatusAnswer {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record RunningAnswer(String exportId, String status, long rowsWritten, long total, String scheduleName, String message)
            implements StatusAnswer {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record FailedAnswer(String exportId, String status, ErrorBody.Error error, String scheduleName, String message)
            implements StatusAnswer {
    }

    /** Succeeded with nothing to export (a schedule's "nothing new"). */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record EmptyAnswer(String exportId, String status, long recordCount, String scheduleName, String message)
            implements StatusAnswer {
    }

    /** Succeeded with a file: the 200 answer's fields (a link only where one was signed), then the status's. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record FileStatusAnswer(@JsonUnwrapped FileAnswer file, String status, String scheduleName, String message)
            implements StatusAnswer {
    }

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
    public StatusAnswer answer(ExportStatus stored, String requestId, Consumer<ExportResult> signed) {
        ExportStatus status = stored.pastDeadline(clock.instant()) ? stored.failed(ExportLifecycle.timedOut(requestId)) : stored;
        String exportId = status.exportId();
        String scheduleName = status.owner().scheduleName();
        return switch (status.outcome()) {
            case ExportStatus.Running running -> new RunningAnswer(exportId, status.status(), status.progress().rowsWritten(),
                    status.progress().total(), scheduleName, status.message());
            case ExportStatus.Failed failed -> new FailedAnswer(exportId, status.status(), failed.error(), scheduleName, status.message());
            case ExportStatus.Succeeded done when done.file() == null -> new EmptyAnswer(exportId, status.status(), 0, scheduleName,
                    done.message());
            case ExportStatus.Succeeded done -> new FileStatusAnswer(FileAnswer.of(link(exportId, done.file(), signed)), status.status(),
                    scheduleName, done.message());
        };
    }

    private ExportResult link(String exportId, ExportedFile file, Consumer<ExportResult> signed) {
        if (signed == null) {
            return ExportResult.unsigned(exportId, file);
        }
        ExportResult link = service.signed(exportId, file);
        signed.accept(link);
        return link;
    }
}
