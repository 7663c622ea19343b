package com.onboardingexport.export.store;

import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Optional;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;

/**
 * The conditional store in the export bucket: each object a JSON object under its key, encrypted
 * (SSE-S3), its ETag the version; created with {@code If-None-Match: *}, replaced with
 * {@code If-Match: <ETag>}.
 */
public final class S3ConditionalStore implements ConditionalStore {
    /** A few hundred bytes: an attempt that hangs is cut and retried (and its outcome settled by {@link StampedObjects}). */
    private static final Duration ATTEMPT_TIMEOUT = Duration.ofSeconds(5);

    private final S3Client s3;
    private final String bucket;

    public S3ConditionalStore(S3Client s3, String bucket) {
        this.s3 = s3;
        this.bucket = bucket;
    }

    @Override
    public Optional<Versioned<byte[]>> find(String key) {
        try {
            ResponseBytes<GetObjectResponse> object = s3.getObjectAsBytes(b -> b.bucket(bucket).key(key));
            return Optional.of(new Versioned<>(object.asByteArray(), object.response().eTag()));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (SdkException e) {
            throw new Unavailable("could not read " + key, e);
        }
    }

    @Override
    public String create(String key, String json) {
        return put(key, json, b -> b.ifNoneMatch("*"));
    }

    @Override
    public String replace(String key, String json, String version) {
        return put(key, json, b -> b.ifMatch(version));
    }

    @Override
    public void delete(String key) {
        try {
            s3.deleteObject(b -> b.bucket(bucket).key(key));
        } catch (SdkException e) {
            throw new Unavailable("could not delete " + key, e);
        }
    }

    private String put(String key, String json, java.util.function.Consumer<PutObjectRequest.Builder> condition) {
        try {
            return s3.putObject(b -> {
                b.bucket(bucket).key(key).contentType("application/json").serverSideEncryption(ServerSideEncryption.AES256)
                        .overrideConfiguration(o -> o.apiCallAttemptTimeout(ATTEMPT_TIMEOUT));
                condition.accept(b);
            }, RequestBody.fromString(json)).eTag();
        } catch (S3Exception e) {
            // 412: the condition failed; 409: a concurrent conditional write won the race.
            if (e.statusCode() == 412 || e.statusCode() == 409) {
                throw new ConditionFailed("S3 refused the conditional write of " + key, e);
            }
            throw new Unavailable("S3 refused to store " + key, e);
        } catch (SdkException | UncheckedIOException e) {
            throw new Unanswered("no answer to the write of " + key, e);
        }
    }
}
