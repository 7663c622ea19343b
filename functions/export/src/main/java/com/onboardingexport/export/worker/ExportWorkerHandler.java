package com.onboardingexport.export.worker;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import com.onboardingexport.export.config.ExportConfig;
import com.onboardingexport.export.store.ConditionalStore;
import com.onboardingexport.export.store.ExportStorage;
import com.onboardingexport.export.lifecycle.ExportPriming;
import com.onboardingexport.export.model.BackgroundExportEvent;
import com.onboardingexport.export.model.ExportJob;
import com.onboardingexport.export.model.ScheduledTick;
import com.onboardingexport.export.model.WorkerEvent;
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
 *
 * <p>Both are one sealed type, {@link WorkerEvent}, that this stream handler reads with the layer's
 * mapper because the runtime cannot hand it over typed: its serializer ({@code JacksonFactory} of
 * aws/aws-lambda-java-libs' {@code aws-lambda-java-serialization}) runs a Jackson relocated to
 * {@code com.amazonaws.lambda.thirdparty.com.fasterxml.jackson}, to which our Jackson annotations and
 * {@code JsonNode} are foreign, so it builds neither a sealed interface nor the job (see
 * aws/aws-lambda-java-libs#491; {@code WorkerEventTest} shows it).
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
        WorkerEvent event = read(Json.MAPPER.readTree(input), context);
        Json.MAPPER.writeValue(output, handle(event, context));
    }

    /** Runs one event: a background export answers {@code {}}, a scheduled one its export's status. */
    public JsonNode handle(WorkerEvent event, Context context) {
        return switch (event) {
            case BackgroundExportEvent export -> {
                parts.jobs().run(export.job(), context);
                yield Json.MAPPER.createObjectNode();
            }
            case ScheduledTick tick -> parts.schedules().runScheduled(tick, context);
        };
    }

    /** The job of a {@code {"background_export": job}} event (tests and the benchmark hand jobs over this way). */
    public void handleBackgroundExport(JsonNode job, Context context) {
        handle(read(Json.MAPPER.createObjectNode().set(ExportJob.JOB_EVENT, job), context), context);
    }

    /**
     * A scheduled export: EventBridge Scheduler's input ({@link ScheduledTick}: {@code schedule_name},
     * {@code scheduled_time}, optional {@code client_id}, and the request fields). It runs as the
     * schedule's principal, writes under {@code scheduled/<name>/} and has a status; every delivery of
     * one tick answers that one export's status (never a link).
     */
    public JsonNode handleScheduledExport(JsonNode event, Context context) {
        return handle(ScheduledTick.of(event), context);
    }

    /**
     * Reads an invocation's event ({@link WorkerEvent#read}); one it cannot run is logged and refused
     * with a plain {@link IllegalArgumentException}, the error type Lambda reports for it. A tick with a
     * malformed field is refused with the message naming that field.
     */
    private static WorkerEvent read(JsonNode event, Context context) {
        try {
            return WorkerEvent.read(event);
        } catch (WorkerEvent.Unreadable e) {
            JsonLog.error(e.logMessage(), e.getCause(), "request_id", context.getAwsRequestId());
            throw new IllegalArgumentException(e.getMessage());
        }
    }
}
