package com.onboardingexport.export.failure;

import com.onboardingexport.export.config.ExportConfig;
import com.onboardingexport.export.lifecycle.SharedParts;
import com.onboardingexport.export.store.ConditionalStore;
import com.onboardingexport.export.store.S3ConditionalStore;
import com.onboardingexport.shared.Env;
import java.time.Clock;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/** The failure function's wiring: what {@link ExportFailureHandler} is made of, from its clients and configuration. */
record FailureWiring(FailedRuns failedRuns, DeadLetterQueue deadLetters) {

    /** The real clients, built once per container; endpoints from the SDK's AWS_ENDPOINT_URL variables. */
    static FailureWiring fromEnvironment() {
        Env env = Env.system();
        ExportConfig config = ExportConfig.from(env);
        return wire(config, new S3ConditionalStore(SharedParts.s3Client().build(), config.bucket()), SharedParts.eventBridge(),
                new DeadLetterQueue(SqsClient.builder().httpClient(UrlConnectionHttpClient.create()).build(), DeadLetterQueue.url(env)),
                Clock.systemUTC());
    }

    /** The parts on a given store of statuses and places (the unit tests hold it in memory). */
    static FailureWiring wire(ExportConfig config, ConditionalStore store, EventBridgeClient eventBridge, DeadLetterQueue deadLetters,
                              Clock clock) {
        SharedParts shared = SharedParts.wire(config, store, eventBridge, clock);
        return new FailureWiring(new FailedRuns(config, shared.statuses(), shared.places(), shared.lifecycle(), shared.events(), clock),
                deadLetters);
    }
}
