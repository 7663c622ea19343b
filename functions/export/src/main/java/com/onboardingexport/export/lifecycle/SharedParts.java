package com.onboardingexport.export.lifecycle;

import com.onboardingexport.export.config.ExportConfig;
import com.onboardingexport.export.service.ExportService;
import com.onboardingexport.export.store.ConditionalStore;
import com.onboardingexport.export.store.ExportStatusStore;
import com.onboardingexport.export.store.ExportStorage;
import com.onboardingexport.export.store.RunningExports;
import com.onboardingexport.export.store.S3ConditionalStore;
import com.onboardingexport.shared.AwsClients;
import com.onboardingexport.shared.CachedSecret;
import com.onboardingexport.shared.StrapiClient;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/**
 * What the wirings of the three export functions share: the clients each builds the same way (once
 * per container; endpoints from the SDK's AWS_ENDPOINT_URL variables), and the parts of an export's
 * life every function touches: its status, its places among the running exports, its event.
 */
public record SharedParts(ExportConfig config, ExportStatusStore statuses, RunningExports places, ExportEvents events,
                          ExportLifecycle lifecycle, Clock clock) {
    private static final int STRAPI_ATTEMPTS = 3;
    private static final Duration STRAPI_CONNECT_TIMEOUT = Duration.ofSeconds(3);

    public static SharedParts wire(ExportConfig config, S3Client s3, EventBridgeClient eventBridge, Clock clock) {
        return wire(config, new S3ConditionalStore(s3, config.bucket()), eventBridge, clock);
    }

    /** The same parts on a given store of statuses, places, marks and keys (the unit tests hold it in memory). */
    public static SharedParts wire(ExportConfig config, ConditionalStore store, EventBridgeClient eventBridge, Clock clock) {
        ExportStatusStore statuses = new ExportStatusStore(store, clock);
        return new SharedParts(config, statuses, new RunningExports(store, RunningExports.Limits.of(config), clock),
                new ExportEvents(eventBridge, config.eventBusName()), new ExportLifecycle(statuses), clock);
    }

    /** The export itself (the API function's and the worker's), spooling under the JVM's temporary folder. */
    public ExportService service(StrapiClient strapi, ExportStorage files) {
        return new ExportService(config, strapi, files, clock, Path.of(System.getProperty("java.io.tmpdir")));
    }

    /**
     * The export bucket's client. The SDK we use (2.57) asks "Expect: 100-continue" only of bodies of
     * 1 MiB or more (the file's parts), not of the statuses and places (a few hundred bytes), which
     * saves those PUTs a round trip. Under 2.40, with the JDK's client, a refused conditional write
     * could leave a dead connection that failed the next small PUT's every attempt (against S3Proxy,
     * 41 of 2 600; none on 2.57): {@code SharedPartsTest} keeps the small PUTs without the header.
     */
    public static S3ClientBuilder s3Client() {
        return S3Client.builder().httpClient(UrlConnectionHttpClient.create());
    }

    /** Strapi, read with the server's API token from Secrets Manager. */
    public static StrapiClient strapi(ExportConfig config) {
        return new StrapiClient(URI.create(config.strapiUrl()),
                new CachedSecret(AwsClients.secretsManager(), config.apiTokenSecretArn(), config.secretCacheTtl()),
                StrapiClient.defaultHttpClient(STRAPI_CONNECT_TIMEOUT), config.strapiTimeout(), STRAPI_ATTEMPTS);
    }

    public static EventBridgeClient eventBridge() {
        return EventBridgeClient.builder().httpClient(UrlConnectionHttpClient.create()).build();
    }
}
