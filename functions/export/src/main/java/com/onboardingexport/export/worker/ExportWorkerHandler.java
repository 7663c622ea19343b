package com.onboardingexport.export.worker;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import com.onboardingexport.export.config.ExportConfig;
import com.onboardingexport.export.store.ConditionalStore;
import com.onboardingexport.export.store.ExportStorage;
import com.onboardingexport.export.lifecycle.ExportPriming;
import com.onboardingexport.export.model.ExportJob;
import com.onboardingexport.export.model.ScheduledTick;
import com.onboardingexport.shared.Json;
import com.onboardingexport.shared.JsonLog;
import com.onboardingexport.shared.LambdaMetrics;
import com.onboardingexport.shared.StrapiClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Clock;
import org.crac.Core;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * The export worker function (15 minutes, reserved concurrency): runs the exports nobody waits
 * for. Its two events: a background export handed over by the API function
 * ({@code {"background_export": {...}}}), and a scheduled export (EventBridge Scheduler's input,
 * {@code {"schedule_name": ..., "scheduled_time": ..., request fields}}), which runs as the system
 * principal and writes under {@code scheduled/<name>/}. Neither event can choose who an export is
 * for: a background export runs as the owner its stored status names, a scheduled one as its schedule.
 */
public final class ExportWorkerHandler implements RequestStreamHandler {
    private final WorkerWiring parts;
    private ExportPriming priming;

    /** Used by the Lambda runtime: real clients, built once per container. */
    public ExportWorkerHandler() {
        this(S3Presigner.builder().build());
    }

    private ExportWorkerHandler(S3Presigner presigner) {
        this.parts = WorkerWiring.fromEnvironment(presigner);
        this.priming = new ExportPriming(parts.config(), presigner);
        Core.getGlobalContext().register(priming);
    }

    /** For tests and the local runner: every collaborator given. */
    public ExportWorkerHandler(ExportConfig config, StrapiClient strapi, S3Client s3, S3Presigner presigner,
                               EventBridgeClient eventBridge, Clock clock) {
        this.parts = WorkerWiring.wire(config, strapi, s3, presigner, eventBridge, clock);
    }

    /** For unit tests: the store, the files and the other collaborators given as stand-ins. */
    public ExportWorkerHandler(ExportConfig config, StrapiClient strapi, ConditionalStore store, ExportStorage files,
                               EventBridgeClient eventBridge, Clock clock) {
        this.parts = WorkerWiring.wire(config, strapi, store, files, eventBridge, clock);
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        LambdaMetrics.beginInvocation(context);
        JsonNode event = Json.MAPPER.readTree(input);
        JsonNode answer = Json.MAPPER.createObjectNode();
        if (event != null && event.has(ExportJob.JOB_EVENT)) {
            handleBackgroundExport(event.get(ExportJob.JOB_EVENT), context);
        } else if (event != null && event.has("schedule_name")) {
            answer = handleScheduledExport(event, context);
        } else {
            JsonLog.error("unrecognised event", null, "request_id", context.getAwsRequestId());
            throw new IllegalArgumentException("Unrecognised event: neither a background export nor a scheduled export");
        }
        Json.MAPPER.writeValue(output, answer);
    }

    /** The job of a {@code {"background_export": job}} event. */
    public void handleBackgroundExport(JsonNode job, Context context) {
        ExportJob parsed;
        try {
            parsed = Json.MAPPER.treeToValue(job, ExportJob.class);
        } catch (IOException | IllegalArgumentException e) {
            JsonLog.error("background export event is not a job", e, "request_id", context.getAwsRequestId());
            throw new IllegalArgumentException("The background export event is not a job");
        }
        parts.jobs().run(parsed, context);
    }

    /**
     * A scheduled export: EventBridge Scheduler's input ({@link ScheduledTick}: {@code schedule_name},
     * {@code scheduled_time}, optional {@code client_id}, and the request fields). It runs as the
     * schedule's principal, writes under {@code scheduled/<name>/} and has a status; every delivery of
     * one tick answers that one export's status (never a link).
     */
    public JsonNode handleScheduledExport(JsonNode event, Context context) {
        return parts.schedules().runScheduled(ScheduledTick.of(event), context);
    }
}
