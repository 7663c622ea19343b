package com.onboardingexport.export.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

class SharedPartsTest {
    private HttpServer server;
    /** The Expect header of each PUT the server received ("" when there was none). */
    private final List<String> expectHeaders = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            String expect = exchange.getRequestHeaders().getFirst("Expect");
            expectHeaders.add(expect == null ? "" : expect);
            exchange.getRequestBody().readAllBytes();
            exchange.getResponseHeaders().add("ETag", "\"e\"");
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private String expectHeaderOfAPut(S3ClientBuilder builder, RequestBody body) {
        expectHeaders.clear();
        try (S3Client s3 = builder.endpointOverride(URI.create("http://127.0.0.1:" + server.getAddress().getPort()))
                .region(Region.US_EAST_1).forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("key", "secret"))).build()) {
            s3.putObject(b -> b.bucket("exports").key("status/x.json").ifNoneMatch("*"), body);
        }
        assertEquals(1, expectHeaders.size(), expectHeaders.toString());
        return expectHeaders.get(0);
    }

    @Test
    void smallWritesAskNoContinueLargeOnesDo() {
        assertEquals("", expectHeaderOfAPut(SharedParts.s3Client(), RequestBody.fromString("{\"status\":\"running\"}")),
                "a status or marker write");
        assertEquals("100-continue", expectHeaderOfAPut(SharedParts.s3Client(), RequestBody.fromBytes(new byte[2 << 20])),
                "a part of the file");
    }
}
