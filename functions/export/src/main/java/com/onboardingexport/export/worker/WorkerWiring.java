package com.onboardingexport.export.worker;

import com.onboardingexport.export.config.ExportConfig;
import com.onboardingexport.export.lifecycle.SharedParts;
import com.onboardingexport.export.lifecycle.StatusAnswers;
import com.onboardingexport.export.model.ExportRequestParser;
import com.onboardingexport.export.service.ExportService;
import com.onboardingexport.export.store.ConditionalStore;
import com.onboardingexport.export.store.ExportStorage;
import com.onboardingexport.export.store.S3ConditionalStore;
import com.onboardingexport.export.store.ScheduleMarks;
import com.onboardingexport.shared.Env;
import com.onboardingexport.shared.StrapiClient;
import java.time.Clock;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * The wiring of the worker and of the scheduled function (one code): what {@link ExportWorkerHandler}
 * is made of, from its clients and configuration.
 */
record WorkerWiring(ExportConfig config, JobRuns jobs, ScheduledRuns schedules) {

    static WorkerWiring wire(ExportConfig config, StrapiClient strapi, S3Client s3, S3Presigner presigner,
                             EventBridgeClient eventBridge, Clock clock) {
        return wire(config, strapi, new S3ConditionalStore(s3, config.bucket()), new ExportStorage(s3, presigner, config.bucket()),
                eventBridge, clock);
    }

    /** The same parts on a given store of statuses, places and marks, and given file storage (the unit tests' stand-ins). */
    static WorkerWiring wire(ExportConfig config, StrapiClient strapi, ConditionalStore store, ExportStorage files,
                             EventBridgeClient eventBridge, Clock clock) {
        SharedParts shared = SharedParts.wire(config, store, eventBridge, clock);
        ExportService service = shared.service(strapi, files);
        ExportRequestParser parser = new ExportRequestParser(config.maxCampaignIds(), clock);
        ExportRunner runner = new ExportRunner(service, shared.statuses(), shared.lifecycle(), shared.events());
        ScheduledRuns schedules = ScheduledRuns.builder().config(config).parser(parser).statuses(shared.statuses())
                .lifecycle(shared.lifecycle()).answers(new StatusAnswers(service, clock)).marks(new ScheduleMarks(store, clock))
                .runner(runner).clock(clock).build();
        return new WorkerWiring(config, new JobRuns(shared.statuses(), shared.places(), shared.lifecycle(), runner, clock), schedules);
    }

    /** The real clients, built once per container; endpoints from the SDK's AWS_ENDPOINT_URL variables. */
    static WorkerWiring fromEnvironment(S3Presigner presigner) {
        ExportConfig config = ExportConfig.from(Env.system());
        return wire(config, SharedParts.strapi(config), SharedParts.s3Client().build(), presigner, SharedParts.eventBridge(),
                Clock.systemUTC());
    }
}
