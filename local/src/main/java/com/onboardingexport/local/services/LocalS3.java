package com.onboardingexport.local.services;

import java.lang.reflect.Field;
import java.net.URI;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import org.gaul.s3proxy.CrossOriginResourceSharing;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;
import org.gaul.shaded.org.eclipse.jetty.server.Server;
import org.gaul.shaded.org.eclipse.jetty.server.handler.EagerContentHandler;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * An S3-compatible server in this JVM (S3Proxy, in-memory backend) that checks SigV4 signatures,
 * so a tampered or expired presigned URL is refused as real S3 would refuse it. With origins, it
 * answers CORS as the template's bucket does, so a page on an allowed origin can fetch a download.
 */
public final class LocalS3 implements AutoCloseable {
    public static final String ACCESS_KEY = "local-access-key";
    public static final String SECRET_KEY = "local-secret-key";
    public static final Region REGION = Region.US_EAST_1;
    /**
     * The bucket CORS rule of the template (CorsConfiguration of ExportBucket): which methods a page on
     * an allowed origin may use on a download link and which of its headers the page may read.
     */
    public static final List<String> CORS_METHODS = List.of("GET", "HEAD");
    public static final List<String> CORS_EXPOSED_HEADERS = List.of("Content-Length", "Content-Type", "Content-Disposition", "ETag");
    /** The largest request body held whole before S3Proxy sees it: a part of the export's upload (8 MiB) and its framing, with room. */
    private static final long WHOLE_BODY_BYTES = 32L << 20;

    private final S3Proxy proxy;
    private final URI endpoint;

    private LocalS3(S3Proxy proxy, URI endpoint) {
        this.proxy = proxy;
        this.endpoint = endpoint;
    }

    /** Starts on the given port (0 for a free one), without CORS: no page on another origin may read an object. */
    public static LocalS3 start(int port) throws Exception {
        return start(port, "");
    }

    /**
     * Starts on the given port (0 for a free one) with the bucket CORS rule for these origins, written
     * as the local run's CORS_ALLOWED_ORIGINS: comma-separated, {@code host:*} for any port; empty for none.
     */
    public static LocalS3 start(int port, String corsOrigins) throws Exception {
        return start("127.0.0.1", port, corsOrigins);
    }

    /** The same, listening on {@code bindAddress} (0.0.0.0: every interface, so containers reach it); {@link #endpoint()} stays on loopback. */
    public static LocalS3 start(String bindAddress, int port, String corsOrigins) throws Exception {
        List<String> origins = originPatterns(corsOrigins);
        S3Proxy proxy = S3Proxy.builder()
                .blobStore(new AtomicConditionalWrites(new TransientNio2BlobStore()))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                .endpoint(URI.create("http://" + bindAddress + ":" + port))
                .corsRules(origins.isEmpty() ? CrossOriginResourceSharing.disabled()
                        : new CrossOriginResourceSharing(origins, CORS_METHODS, List.of(), CORS_EXPOSED_HEADERS, ""))
                .build();
        handleWholeBodies(proxy);
        proxy.start();
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!"STARTED".equals(proxy.getState())) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("S3Proxy did not start: " + proxy.getState());
            }
            Thread.sleep(10);
        }
        return new LocalS3(proxy, URI.create("http://127.0.0.1:" + proxy.getPort()));
    }

    /**
     * S3Proxy answers an upload in the SDK's aws-chunked framing as soon as it has read the object's
     * bytes (x-amz-decoded-content-length of them), before the closing zero-length chunk and the checksum
     * trailer; Jetty then closes the connection on the unread rest, and a client still sending it fails
     * with "Error writing request body to server" (the SDK retries: a conditional write then meets its
     * own object, 412). S3 reads the whole body first, and so does this: Jetty holds each request until
     * its body is in (up to {@link #WHOLE_BODY_BYTES}), then hands it to S3Proxy. S3Proxy keeps its
     * Jetty server to itself, hence the reflection.
     */
    private static void handleWholeBodies(S3Proxy proxy) throws ReflectiveOperationException {
        Field field = S3Proxy.class.getDeclaredField("server");
        field.setAccessible(true);
        Server server = (Server) field.get(proxy);
        server.setHandler(new EagerContentHandler(server.getHandler(),
                new EagerContentHandler.RetainedContentLoaderFactory(WHOLE_BODY_BYTES, -1, false)));
    }

    /** S3Proxy matches an Origin against regular expressions: an exact origin, or any port of a {@code host:*} entry. */
    static List<String> originPatterns(String corsOrigins) {
        return Arrays.stream(corsOrigins == null ? new String[0] : corsOrigins.split(","))
                .map(String::trim).filter(origin -> !origin.isEmpty())
                .map(origin -> origin.endsWith(":*")
                        ? Pattern.quote(origin.substring(0, origin.length() - 2)) + "(:[0-9]{1,5})?"
                        : Pattern.quote(origin))
                .toList();
    }

    public URI endpoint() {
        return endpoint;
    }

    public StaticCredentialsProvider credentials() {
        return StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY));
    }

    public S3Client client() {
        return S3Client.builder()
                .endpointOverride(endpoint)
                .region(REGION)
                .credentialsProvider(credentials())
                .forcePathStyle(true)
                .httpClient(UrlConnectionHttpClient.create())
                .build();
    }

    public S3Presigner presigner() {
        return S3Presigner.builder()
                .endpointOverride(endpoint)
                .region(REGION)
                .credentialsProvider(credentials())
                .serviceConfiguration(software.amazon.awssdk.services.s3.S3Configuration.builder()
                        .pathStyleAccessEnabled(true).build())
                .build();
    }

    public void createBucket(String name) {
        try (S3Client s3 = client()) {
            s3.createBucket(b -> b.bucket(name));
        }
    }

    @Override
    public void close() throws Exception {
        proxy.stop();
    }
}
