package com.onboardingexport.export.lifecycle;

import com.onboardingexport.export.model.ExportStatus;
import com.onboardingexport.export.store.ExportStatusStore;
import com.onboardingexport.shared.ApiException;
import com.onboardingexport.shared.ErrorBody;
import com.onboardingexport.shared.ErrorCode;
import com.onboardingexport.shared.JsonLog;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * How an export's status ends, whichever function writes the end: a status only ever goes
 * {@code running → succeeded | failed} ({@link ExportStatusStore}'s conditional writes), and a
 * writer that loses a race with a progress write carries that version's fields on. A run that died
 * without writing its end is closed by Lambda's failure record (in the failure function), and,
 * should that record never come, reported {@code failed} ({@code EXPORT_TIMED_OUT}) once the time by
 * which it had to finish has passed.
 */
public final class ExportLifecycle {
    /** What an export id looks like; anything else is never looked up (nor logged). */
    public static final Pattern EXPORT_ID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    private final ExportStatusStore statuses;

    public ExportLifecycle(ExportStatusStore statuses) {
        this.statuses = statuses;
    }

    /** Writes a final status unless another delivery finished the export first; retries on a lost race with a progress write. */
    public ExportStatus finish(ExportStatusStore.Versioned current, ExportStatus finalStatus) {
        return close(current, finalStatus).status();
    }

    /** A final status as stored, and whether this writer stored it (false: another writer had finished the export). */
    public record Closed(ExportStatus status, boolean byThisWrite) {
    }

    public Closed close(ExportStatusStore.Versioned current, ExportStatus finalStatus) {
        ExportStatusStore.Versioned base = current;
        ExportStatus next = finalStatus;
        for (int attempt = 0; attempt < 5; attempt++) {
            Optional<ExportStatusStore.Versioned> written = statuses.replace(base, next);
            if (written.isPresent()) {
                return new Closed(written.get().status(), true);
            }
            Optional<ExportStatusStore.Versioned> now = statuses.find(next.exportId());
            if (now.isEmpty() || !now.get().status().isRunning()) {
                JsonLog.warn("export already finished by another delivery; its status stays",
                        "export_id", next.exportId(), "status", now.map(v -> v.status().status()).orElse("none"));
                return new Closed(now.map(ExportStatusStore.Versioned::status).orElse(next), false);
            }
            // A progress write came in between: the final status carries that version's fields on.
            ExportStatus latest = now.get().status();
            next = switch (finalStatus.outcome()) {
                case ExportStatus.Succeeded done when done.file() == null -> latest.succeededEmpty(done.message());
                case ExportStatus.Succeeded done -> latest.succeeded(finalStatus.progress().total(), done.file());
                case ExportStatus.Failed failed -> latest.failed(failed.error());
                case ExportStatus.Running running -> throw new IllegalArgumentException("A final status has ended");
            };
            base = now.get();
        }
        throw new ApiException(ErrorCode.STORAGE_ERROR, "The export's status could not be stored");
    }

    /** The error of an export whose run did not finish by its deadline. */
    public static ErrorBody.Error timedOut(String requestId) {
        return new ApiException(ErrorCode.EXPORT_TIMED_OUT,
                "The export did not finish in the time it had; quote request id " + requestId + " when reporting it").error(requestId);
    }
}
