package com.onboardingexport.export.api;

import com.onboardingexport.export.config.ExportConfig;
import com.onboardingexport.export.lifecycle.SharedParts;
import com.onboardingexport.export.lifecycle.StatusAnswers;
import com.onboardingexport.export.model.ExportRequestParser;
import com.onboardingexport.export.service.ExportService;
import com.onboardingexport.export.store.ConditionalStore;
import com.onboardingexport.export.store.ExportStorage;
import com.onboardingexport.export.store.RunningExports;
import com.onboardingexport.export.store.S3ConditionalStore;
import com.onboardingexport.shared.Env;
import com.onboardingexport.shared.StrapiClient;
import java.time.Clock;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/** The API function's wiring: what {@link ExportHandler} is made of, from its clients and configuration. */
record ApiWiring(ExportConfig config, CorsPolicy cors, ExportRequestParser parser, ExportService service,
                 IdempotentRequests idempotency, RunningExports places, HandOver handOver, SyncRecords syncRecords,
                 StatusReader statusReader, Clock clock) {

    static ApiWiring wire(ExportConfig config, StrapiClient strapi, S3Client s3, S3Presigner presigner,
                          BackgroundInvoker worker, EventBridgeClient eventBridge, Clock clock) {
        return wire(config, strapi, new S3ConditionalStore(s3, config.bucket()), new ExportStorage(s3, presigner, config.bucket()),
                worker, eventBridge, clock);
    }

    /** The same parts on a given store of statuses, places and keys, and given file storage (the unit tests' stand-ins). */
    static ApiWiring wire(ExportConfig config, StrapiClient strapi, ConditionalStore store, ExportStorage files,
                          BackgroundInvoker worker, EventBridgeClient eventBridge, Clock clock) {
        SharedParts shared = SharedParts.wire(config, store, eventBridge, clock);
        ExportService service = shared.service(strapi, files);
        return new ApiWiring(config, CorsPolicy.parse(config.corsAllowedOrigins()), new ExportRequestParser(config.maxCampaignIds(), clock),
                service, new IdempotentRequests(store, shared.statuses(), service, clock), shared.places(),
                new HandOver(config, shared.statuses(), shared.places(), worker, clock),
                new SyncRecords(shared.statuses(), shared.events(), clock),
                new StatusReader(config, shared.statuses(), new StatusAnswers(service, clock)), clock);
    }

    /** The real clients, built once per container; endpoints from the SDK's AWS_ENDPOINT_URL variables. */
    static ApiWiring fromEnvironment(S3Presigner presigner) {
        ExportConfig config = ExportConfig.from(Env.system());
        BackgroundInvoker worker = new LambdaWorkerInvoker(() -> LambdaClient.builder().httpClient(UrlConnectionHttpClient.create()).build());
        return wire(config, SharedParts.strapi(config), SharedParts.s3Client().build(), presigner, worker, SharedParts.eventBridge(),
                Clock.systemUTC());
    }
}
