package com.onboardingexport.export.api;

import com.onboardingexport.export.lifecycle.ExportEvents;
import com.onboardingexport.export.model.ExportRequest;
import com.onboardingexport.export.model.ExportResult;
import com.onboardingexport.export.model.ExportStatus;
import com.onboardingexport.export.model.Principal;
import com.onboardingexport.export.service.ExportService;
import com.onboardingexport.export.store.ExportStatusStore;
import com.onboardingexport.shared.ApiException;
import com.onboardingexport.shared.JsonLog;
import java.time.Clock;
import java.time.Instant;

/** What a synchronous export leaves once it ended in the API function: a status and an event. */
public final class SyncRecords {
    private final ExportStatusStore statuses;
    private final ExportEvents events;
    private final Clock clock;

    public SyncRecords(ExportStatusStore statuses, ExportEvents events, Clock clock) {
        this.statuses = statuses;
        this.events = events;
        this.clock = clock;
    }

    /**
     * A synchronous export that ended in the API function: once succeeded, a status (so its status
     * URL re-signs its link like any other's) and its event; failed (5xx), its event alone. A
     * caller's mistake (4xx) is no finished export.
     */
    public void recordSync(Principal principal, ExportRequest request, ExportResult result, ApiException failure,
                           String requestId, String statusUrlBase) {
        if (result == null && (failure == null || failure.code().status() < 500)) {
            return;
        }
        try {
            Instant now = clock.instant();
            String exportId = result == null ? ExportService.newExportId() : result.exportId();
            ExportStatus running = ExportStatus.running(exportId, principal, 0, now, now);
            if (result == null) {
                // A failed synchronous export leaves nothing in the bucket, not even a status: its event says it all.
                events.announce(running.failed(failure.error(requestId)), "sync", request.format().extension(), null);
                return;
            }
            ExportStatus finished = running.succeeded(result.file().recordCount(), result.file());
            statuses.create(finished);
            events.announce(finished, "sync", request.format().extension(), statusUrlBase + exportId);
        } catch (RuntimeException e) {
            JsonLog.error("could not record a synchronous export", e, "request_id", requestId);
        }
    }
}
