package com.onboardingexport.export.lifecycle;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.onboardingexport.export.model.ExportStatus;
import com.onboardingexport.export.model.ExportedFile;
import com.onboardingexport.export.model.Principal;
import com.onboardingexport.shared.Json;
import com.onboardingexport.shared.JsonLog;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.eventbridge.model.PutEventsResponse;

/**
 * Announces every finished export on EventBridge, one event each: source {@value #SOURCE},
 * detail-type {@value #SUCCEEDED} or {@value #FAILED}, the {@link Detail} below. Never a link and
 * never row data: who reads the event fetches a freshly signed link from the status URL. An
 * announcement that cannot be put is logged; it never fails the export.
 */
public final class ExportEvents {
    public static final String SOURCE = "onboarding-export";
    public static final String SUCCEEDED = "Export Succeeded";
    public static final String FAILED = "Export Failed";

    /** The event's detail, snake_case. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Detail(String exportId, String status, String mode, String userId, String role, String clientId,
                         String scheduleName, String fileFormat, long recordCount, long sizeBytes, String key,
                         String statusUrl, String errorCode, String message, Long rowsDegraded) {

        /** A user's export names its user and role; a schedule's, its schedule. No client id for every client. */
        static Detail of(ExportStatus status, String mode, String fileFormat, String statusUrl) {
            Principal owner = status.owner();
            ExportedFile file = status.file();
            return new Detail(status.exportId(), status.status(), mode,
                    owner.isScheduled() ? null : owner.userId(), owner.isScheduled() ? null : owner.role(),
                    owner.clientId().isEmpty() ? null : owner.clientId(), owner.scheduleName(),
                    file == null ? fileFormat : file.format().extension(),
                    file == null ? 0 : file.recordCount(), file == null ? 0 : file.sizeBytes(), file == null ? null : file.key(),
                    statusUrl, status.error() == null ? null : status.error().code(), status.message(),
                    file == null ? null : file.rowsDegraded());
        }
    }

    private final EventBridgeClient eventBridge;
    private final String busName;

    public ExportEvents(EventBridgeClient eventBridge, String busName) {
        this.eventBridge = eventBridge;
        this.busName = busName;
    }

    /** Puts the event of a finished export (succeeded or failed). */
    public void announce(ExportStatus status, String mode, String fileFormat, String statusUrl) {
        Detail detail = Detail.of(status, mode, fileFormat, statusUrl);
        String detailType = ExportStatus.SUCCEEDED.equals(status.status()) ? SUCCEEDED : FAILED;
        try {
            PutEventsResponse response = eventBridge.putEvents(b -> b.entries(e -> e.source(SOURCE)
                    .detailType(detailType)
                    .eventBusName(busName)
                    .resources()
                    .detail(Json.MAPPER.valueToTree(detail).toString()))
                    // Best effort, on the export's own time: never wait long for it.
                    .overrideConfiguration(o -> o.apiCallTimeout(java.time.Duration.ofSeconds(5))));
            if (response.failedEntryCount() != null && response.failedEntryCount() > 0) {
                JsonLog.error("export event refused", null, "export_id", status.exportId(),
                        "error_code", response.entries().get(0).errorCode());
            }
        } catch (SdkException | IllegalStateException e) {
            JsonLog.error("export event not put", e, "export_id", status.exportId());
        }
    }
}
