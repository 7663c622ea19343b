package com.onboardingexport.it.reliability;

import static com.onboardingexport.it.reliability.Reliability.PARTS;
import static com.onboardingexport.it.reliability.Reliability.bucketKeys;
import static com.onboardingexport.it.reliability.Reliability.error;
import static com.onboardingexport.it.reliability.Reliability.newKeys;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.onboardingexport.export.config.ExportConfig;
import com.onboardingexport.export.api.ExportHandler;
import com.onboardingexport.it.RealParts;
import com.onboardingexport.it.export.ExportFixture;
import com.onboardingexport.local.lambda.LocalLambdaContext;
import com.onboardingexport.local.services.LocalS3;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.DeleteObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * S3 failing under a real export (the real Strapi, S3Proxy checking signatures): every failure
 * is a 500 STORAGE_ERROR in the contract's shape, and the bucket holds no object of the failed
 * export, neither a whole one nor a partial one, nor an unfinished multipart upload.
 */
class S3FaultsReliabilityIT {
    private static final String ALL_TIME = "{\"date_range\":\"all_time\"}";

    private static APIGatewayProxyResponseEvent export(ExportHandler handler, String userId) {
        return assertTimeoutPreemptively(Duration.ofSeconds(60),
                () -> handler.handleApiRequest(ExportFixture.request(userId, "admin", "", ALL_TIME), new LocalLambdaContext()));
    }

    private static ExportConfig config(String bucket) {
        return Reliability.config(PARTS.strapi.url(), Map.of("EXPORT_BUCKET", bucket));
    }

    private static S3Client s3At(URI endpoint) {
        return S3Client.builder()
                .endpointOverride(endpoint)
                .region(LocalS3.REGION)
                .credentialsProvider(PARTS.s3.credentials())
                .forcePathStyle(true)
                .httpClient(UrlConnectionHttpClient.create())
                .build();
    }

    /** The local S3's client, recording each PutObject and DeleteObject it sends ("PutObject key"). */
    private static S3Client recordingClient(List<String> calls) {
        return S3Client.builder()
                .endpointOverride(PARTS.s3.endpoint())
                .region(LocalS3.REGION)
                .credentialsProvider(PARTS.s3.credentials())
                .forcePathStyle(true)
                .httpClient(UrlConnectionHttpClient.create())
                .overrideConfiguration(c -> c.addExecutionInterceptor(new ExecutionInterceptor() {
                    @Override
                    public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
                        if (context.request() instanceof PutObjectRequest put) {
                            calls.add("PutObject " + put.key());
                        } else if (context.request() instanceof DeleteObjectRequest delete) {
                            calls.add("DeleteObject " + delete.key());
                        }
                    }
                }))
                .build();
    }

    @Test
    @DisplayName("the bucket does not exist: 500 STORAGE_ERROR, no bucket created, nothing stored elsewhere")
    void missingBucketIs500() throws Exception {
        String missing = "no-such-bucket-" + System.nanoTime();
        Set<String> before = bucketKeys();
        ExportHandler handler = Reliability.handler(config(missing), PARTS.s3.client(), PARTS.s3.presigner(), Reliability.NO_BACKGROUND);

        error(export(handler, "rel-s3-nobucket"), 500, "STORAGE_ERROR");

        try (S3Client s3 = PARTS.s3.client()) {
            assertTrue(s3.listBuckets().buckets().stream().noneMatch(b -> b.name().equals(missing)));
        }
        assertEquals(Set.of(), newKeys(before));
    }

    /** Guards: SDK failures of the upload map to STORAGE_ERROR (not a Lambda crash, not a 502 blaming Strapi). */
    @Test
    @DisplayName("S3 unreachable (nothing on its port): 500 STORAGE_ERROR, in the contract's shape")
    void unreachableS3Is500() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        try (S3Client down = s3At(URI.create("http://127.0.0.1:" + port))) {
            Set<String> before = bucketKeys();
            ExportHandler handler = Reliability.handler(config(RealParts.BUCKET), down, PARTS.s3.presigner(), Reliability.NO_BACKGROUND);

            error(export(handler, "rel-s3-down"), 500, "STORAGE_ERROR");

            assertEquals(Set.of(), newKeys(before));
        }
    }

    /**
     * Guards: the file goes up in one request that S3 stores whole or not at all. The connection to
     * S3 is cut after 4 KiB of every PUT of an export (the SDK retries; every attempt is cut).
     */
    @Test
    @DisplayName("the upload is cut halfway: 500 STORAGE_ERROR, no partial object, no unfinished multipart upload")
    void uploadCutHalfwayLeavesNothing() throws Exception {
        AtomicInteger cut = new AtomicInteger();
        try (TcpFaultServer cutter = TcpFaultServer.start(PARTS.s3.endpoint(), (n, head) -> {
                 if (head.startsWith("PUT /" + RealParts.BUCKET + "/exports/")) {
                     cut.incrementAndGet();
                     return TcpFaultServer.Action.CUT;
                 }
                 return TcpFaultServer.Action.FORWARD;
             }, 4_096);
             S3Client throughCutter = s3At(cutter.url())) {
            Set<String> before = bucketKeys();
            ExportHandler handler = Reliability.handler(config(RealParts.BUCKET), throughCutter, PARTS.s3.presigner(), Reliability.NO_BACKGROUND);

            error(export(handler, "rel-s3-cut"), 500, "STORAGE_ERROR");

            assertTrue(cut.get() >= 1, "an upload was cut: " + cutter.heads());
            assertEquals(Set.of(), newKeys(before), "no object, whole or partial");
            try (S3Client s3 = PARTS.s3.client()) {
                assertEquals(0, s3.listMultipartUploads(b -> b.bucket(RealParts.BUCKET).prefix("exports/user-rel-s3-cut/"))
                        .uploads().size(), "no unfinished multipart upload");
            }
        }
    }

    /**
     * Guards: the object is deleted when its link cannot be signed. The presigner cannot obtain
     * credentials (as when a role session cannot be had at signing time), after the upload
     * itself succeeded: without the clean-up the file would stay in the bucket with no link to it.
     */
    @Test
    @DisplayName("the link cannot be signed after the upload: 500 STORAGE_ERROR, and the uploaded object is deleted")
    void failedPresignLeavesNoOrphan() throws Exception {
        AtomicInteger asked = new AtomicInteger();
        List<String> calls = new CopyOnWriteArrayList<>();
        AwsCredentialsProvider failing = () -> {
            asked.incrementAndGet();
            throw SdkClientException.create("Unable to load credentials (injected by the test)");
        };
        try (S3Presigner presigner = S3Presigner.builder()
                .endpointOverride(PARTS.s3.endpoint())
                .region(LocalS3.REGION)
                .credentialsProvider(failing)
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build())
                .build();
             S3Client s3 = recordingClient(calls)) {
            Set<String> before = bucketKeys();
            ExportHandler handler = Reliability.handler(config(RealParts.BUCKET), s3, presigner, Reliability.NO_BACKGROUND);

            error(export(handler, "rel-presign"), 500, "STORAGE_ERROR");

            assertTrue(asked.get() >= 1, "the presigner was asked to sign");
            // The export's file (its running place under running/ is an object too, given back in the end).
            assertEquals(1, calls.stream().filter(c -> c.startsWith("PutObject exports/")).count(), "uploaded before the signing failed: " + calls);
            String key = calls.stream().filter(c -> c.startsWith("PutObject exports/")).findFirst().orElseThrow().substring("PutObject ".length());
            assertTrue(key.startsWith("exports/user-rel-presign/"), key);
            assertTrue(calls.contains("DeleteObject " + key), "the object was deleted: " + calls);
            assertEquals(Set.of(), newKeys(before), "the uploaded file was deleted: no orphan");
        }
    }
}
