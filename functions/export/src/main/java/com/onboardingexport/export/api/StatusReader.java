package com.onboardingexport.export.api;

import com.onboardingexport.export.config.ExportConfig;
import com.onboardingexport.export.lifecycle.ExportAudit;
import com.onboardingexport.export.lifecycle.ExportLifecycle;
import com.onboardingexport.export.lifecycle.StatusAnswers;
import com.onboardingexport.export.model.ExportStatus;
import com.onboardingexport.export.model.Principal;
import com.onboardingexport.export.store.ExportStatusStore;
import com.onboardingexport.shared.ApiException;
import com.onboardingexport.shared.ErrorCode;
import java.util.Optional;

/** {@code GET /exports/onboarding/{export_id}}: who may read an export's status, and its answer. */
public final class StatusReader {
    private final ExportConfig config;
    private final ExportStatusStore statuses;
    private final StatusAnswers answers;

    public StatusReader(ExportConfig config, ExportStatusStore statuses, StatusAnswers answers) {
        this.config = config;
        this.statuses = statuses;
        this.answers = answers;
    }

    /**
     * GET /exports/onboarding/{export_id}: only an admin, or its requester while still allowed to see
     * that data (the same role, and for a client user the same client as when it was made), learns
     * that it exists; a fresh link is signed for as long as the file is kept, and audited.
     */
    public StatusAnswers.StatusAnswer status(Principal reader, String exportId, String requestId) {
        long started = System.nanoTime();
        Optional<ExportStatusStore.Versioned> found = ExportLifecycle.EXPORT_ID.matcher(exportId).matches()
                ? statuses.find(exportId) : Optional.empty();
        if (found.isEmpty() || !mayRead(reader, found.get().status())) {
            throw new ApiException(ErrorCode.NOT_FOUND, "No such export");
        }
        return answers.answer(found.get().status(), requestId,
                link -> ExportAudit.resigned(requestId, reader, found.get().status(), link, started));
    }

    private boolean mayRead(Principal reader, ExportStatus status) {
        if (reader.role().equals(config.adminRole())) {
            return true;
        }
        Principal owner = status.owner();
        if (owner.isScheduled()) {
            // A schedule of one client: that client's users; a schedule of every client: admins only.
            return reader.role().equals(config.clientRole()) && !owner.clientId().isEmpty()
                    && owner.clientId().equals(reader.clientId());
        }
        return reader.userId().equals(owner.userId())
                && reader.role().equals(config.clientRole())
                && reader.role().equals(owner.role())
                && !reader.clientId().isEmpty()
                && reader.clientId().equals(owner.clientId());
    }
}
