package com.onboardingexport.export.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** What the S3 implementation asks of S3, and how S3's answers become the store's; against real S3 in S3ConditionalWritesIT. */
class S3ConditionalStoreTest {
    /** Answers every PUT with {@code failure} (none: an ETag), and every GET with {@code found} (none: NoSuchKey). */
    private static final class ScriptedS3 implements S3Client {
        final List<PutObjectRequest> puts = new ArrayList<>();
        final List<String> bodies = new ArrayList<>();
        RuntimeException failure;
        byte[] found;

        @Override
        public PutObjectResponse putObject(PutObjectRequest request, RequestBody body) {
            puts.add(request);
            try (InputStream in = body.contentStreamProvider().newStream()) {
                bodies.add(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            if (failure != null) {
                throw failure;
            }
            return PutObjectResponse.builder().eTag("\"etag-2\"").build();
        }

        @Override
        public ResponseBytes<GetObjectResponse> getObjectAsBytes(GetObjectRequest request) {
            if (found == null) {
                throw NoSuchKeyException.builder().statusCode(404).message("no such key").build();
            }
            return ResponseBytes.fromByteArray(GetObjectResponse.builder().eTag("\"etag-1\"").build(), found);
        }

        @Override
        public String serviceName() {
            return "s3";
        }

        @Override
        public void close() {
        }
    }

    private final ScriptedS3 s3 = new ScriptedS3();
    private final S3ConditionalStore store = new S3ConditionalStore(s3, "exports-bucket");

    @Test
    @DisplayName("create is If-None-Match: *, replace is If-Match: <ETag>; both JSON, SSE-S3, in the bucket; the answer's ETag is the version")
    void conditionalPuts() {
        assertEquals("\"etag-2\"", store.create("status/a.json", "{\"a\":1}"));
        assertEquals("\"etag-2\"", store.replace("status/a.json", "{\"a\":2}", "\"etag-1\""));

        PutObjectRequest create = s3.puts.get(0);
        assertEquals("exports-bucket", create.bucket());
        assertEquals("status/a.json", create.key());
        assertEquals("*", create.ifNoneMatch());
        assertEquals(null, create.ifMatch());
        assertEquals("application/json", create.contentType());
        assertEquals("AES256", create.serverSideEncryptionAsString());
        PutObjectRequest replace = s3.puts.get(1);
        assertEquals("\"etag-1\"", replace.ifMatch());
        assertEquals(null, replace.ifNoneMatch());
        assertEquals(List.of("{\"a\":1}", "{\"a\":2}"), s3.bodies);
    }

    @Test
    @DisplayName("412 and 409 are a failed condition, another S3 error a refusal, no answer an unknown outcome")
    void failures() {
        s3.failure = S3Exception.builder().statusCode(412).message("precondition failed").build();
        assertThrows(ConditionalStore.ConditionFailed.class, () -> store.create("k", "{}"));
        s3.failure = S3Exception.builder().statusCode(409).message("conflict").build();
        assertThrows(ConditionalStore.ConditionFailed.class, () -> store.replace("k", "{}", "\"e\""));
        s3.failure = S3Exception.builder().statusCode(403).message("access denied").build();
        assertThrows(ConditionalStore.Unavailable.class, () -> store.create("k", "{}"));
        s3.failure = SdkClientException.create("connection reset");
        assertThrows(ConditionalStore.Unanswered.class, () -> store.create("k", "{}"));
        s3.failure = new UncheckedIOException(new IOException("stream closed"));
        assertThrows(ConditionalStore.Unanswered.class, () -> store.create("k", "{}"));
    }

    @Test
    @DisplayName("find: the bytes with their ETag, or nothing for NoSuchKey")
    void find() {
        assertEquals(Optional.empty(), store.find("k"));
        s3.found = "{\"a\":1}".getBytes(StandardCharsets.UTF_8);
        ConditionalStore.Versioned<byte[]> found = store.find("k").orElseThrow();
        assertArrayEquals(s3.found, found.value());
        assertEquals("\"etag-1\"", found.eTag());
    }
}
