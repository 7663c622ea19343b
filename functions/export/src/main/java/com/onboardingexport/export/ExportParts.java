package com.onboardingexport.export;

import com.onboardingexport.shared.AwsClients;
import com.onboardingexport.shared.CachedSecret;
import com.onboardingexport.shared.Env;
import com.onboardingexport.shared.StrapiClient;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * The one wiring place of the export module: what both of its functions (the API handler and
 * the worker) are made of, from their clients and configuration.
 */
record ExportParts(ExportConfig config, ExportService service, ExportRequestParser parser, BackgroundExports background,
                   IdempotentRequests idempotency, Clock clock) {
    private static final int STRAPI_ATTEMPTS = 3;
    private static final Duration STRAPI_CONNECT_TIMEOUT = Duration.ofSeconds(3);

    static ExportParts wire(ExportConfig config, StrapiClient strapi, S3Client s3, S3Presigner presigner,
                            BackgroundInvoker worker, EventBridgeClient eventBridge, Clock clock) {
        return wire(config, strapi, new S3ConditionalStore(s3, config.bucket()), new ExportStorage(s3, presigner, config.bucket()),
                worker, new ExportEvents(eventBridge, config.eventBusName()), clock);
    }

    /** The same parts on a given store of statuses, places, marks and keys, file storage and events (the unit tests give their own). */
    static ExportParts wire(ExportConfig config, StrapiClient strapi, ConditionalStore store, ExportStorage files,
                            BackgroundInvoker worker, ExportEvents events, Clock clock) {
        ExportService service = new ExportService(config, strapi, files, clock, Path.of(System.getProperty("java.io.tmpdir")));
        ExportRequestParser parser = new ExportRequestParser(config.maxCampaignIds(), clock);
        ExportStatusStore statuses = new ExportStatusStore(store, clock);
        BackgroundExports background = new BackgroundExports(config, service, parser, statuses,
                new RunningExports(store, config.runningLimits(), clock), worker, events, new ScheduleMarks(store, clock), clock);
        return new ExportParts(config, service, parser, background, new IdempotentRequests(store, statuses, service, clock), clock);
    }

    /**
     * The export bucket's client. The SDK we use (2.57) asks "Expect: 100-continue" only of bodies of
     * 1 MiB or more (the file's parts), not of the statuses and places (a few hundred bytes), which
     * saves those PUTs a round trip. Under 2.40, with the JDK's client, a refused conditional write
     * could leave a dead connection that failed the next small PUT's every attempt (against S3Proxy,
     * 41 of 2 600; none on 2.57): {@code ExportPartsTest} keeps the small PUTs without the header.
     */
    static S3ClientBuilder s3Client() {
        return S3Client.builder().httpClient(UrlConnectionHttpClient.create());
    }

    /** The real clients, built once per container; endpoints from the SDK's AWS_ENDPOINT_URL variables. */
    static ExportParts fromEnvironment(S3Presigner presigner) {
        ExportConfig config = ExportConfig.from(Env.system());
        StrapiClient strapi = new StrapiClient(URI.create(config.strapiUrl()),
                new CachedSecret(AwsClients.secretsManager(), config.apiTokenSecretArn(), config.secretCacheTtl()),
                StrapiClient.defaultHttpClient(STRAPI_CONNECT_TIMEOUT), config.strapiTimeout(), STRAPI_ATTEMPTS);
        S3Client s3 = s3Client().build();
        BackgroundInvoker worker = new LambdaWorkerInvoker(() -> LambdaClient.builder().httpClient(UrlConnectionHttpClient.create()).build());
        EventBridgeClient eventBridge = EventBridgeClient.builder().httpClient(UrlConnectionHttpClient.create()).build();
        return wire(config, strapi, s3, presigner, worker, eventBridge, Clock.systemUTC());
    }
}
