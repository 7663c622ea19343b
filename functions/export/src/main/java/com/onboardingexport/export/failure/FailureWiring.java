package com.onboardingexport.export.failure;

import com.onboardingexport.export.config.ExportConfig;
import com.onboardingexport.export.lifecycle.SharedParts;
import com.onboardingexport.shared.Env;
import java.time.Clock;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/** The failure function's wiring: what {@link ExportFailureHandler} is made of, from its clients and configuration. */
record FailureWiring(FailedRuns failedRuns, DeadLetterQueue deadLetters) {

    /** The real clients, built once per container; endpoints from the SDK's AWS_ENDPOINT_URL variables. */
    static FailureWiring fromEnvironment() {
        Env env = Env.system();
        ExportConfig config = ExportConfig.from(env);
        Clock clock = Clock.systemUTC();
        SharedParts shared = SharedParts.wire(config, SharedParts.s3Client().build(), SharedParts.eventBridge(), clock);
        FailedRuns failedRuns = new FailedRuns(config, shared.statuses(), shared.places(), shared.lifecycle(), shared.events(), clock);
        return new FailureWiring(failedRuns, new DeadLetterQueue(SqsClient.builder().httpClient(UrlConnectionHttpClient.create()).build(),
                DeadLetterQueue.url(env)));
    }
}
