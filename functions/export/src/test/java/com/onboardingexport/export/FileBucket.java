package com.onboardingexport.export;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.DeleteObjectRequest;
import software.amazon.awssdk.services.s3.model.DeleteObjectResponse;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The export files' side of the bucket, in memory: the single PUT of a file smaller than one
 * upload part, and the delete of a failed export's file. Anything else an export asks of S3 is a
 * test that needs the real S3 (the integration tests).
 */
public final class FileBucket implements S3Client {
    /** A stored file: its bytes and the headers it was sent with. */
    public record StoredObject(byte[] bytes, String contentType, String contentDisposition) {
        public String text() {
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }

    private final Map<String, StoredObject> objects = new TreeMap<>();
    private volatile boolean refusing;

    /** From now on, every PUT is refused as S3 refuses one (a 503). */
    public void refusePuts() {
        refusing = true;
    }

    public synchronized Map<String, StoredObject> objects() {
        return Map.copyOf(objects);
    }

    @Override
    public synchronized PutObjectResponse putObject(PutObjectRequest request, RequestBody body) {
        if (refusing) {
            throw S3Exception.builder().statusCode(503).message("Slow Down").build();
        }
        try (InputStream in = body.contentStreamProvider().newStream()) {
            objects.put(request.key(), new StoredObject(in.readAllBytes(), request.contentType(), request.contentDisposition()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return PutObjectResponse.builder().eTag("\"file\"").build();
    }

    @Override
    public synchronized DeleteObjectResponse deleteObject(DeleteObjectRequest request) {
        objects.remove(request.key());
        return DeleteObjectResponse.builder().build();
    }

    @Override
    public String serviceName() {
        return "s3";
    }

    @Override
    public void close() {
    }
}
