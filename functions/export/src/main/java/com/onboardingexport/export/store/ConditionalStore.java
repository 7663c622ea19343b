package com.onboardingexport.export.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.onboardingexport.export.model.Stamped;
import com.onboardingexport.shared.ApiException;
import com.onboardingexport.shared.ErrorCode;
import com.onboardingexport.shared.Json;
import com.onboardingexport.shared.JsonLog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;

/**
 * Small JSON objects in the export bucket that change only by S3's conditional writes: created only
 * if none exists ({@code If-None-Match: *}), replaced only if still the version the writer read
 * ({@code If-Match: <ETag>}). A writer whose condition fails reads again and decides anew.
 *
 * <p>A conditional write whose answer is lost (a connection cut after S3 stored it; the SDK's retry
 * then meets the writer's own object and gets 412) is ambiguous: each write carries a random
 * {@code write_id}, and on a refusal or a transport failure the store reads the object back to
 * learn whether the stored version is its own.
 *
 * @param <T> the object, a record that carries its {@code write_id}
 */
public final class ConditionalStore<T extends Stamped<T>> {
    /** An object as read, with the ETag a conditional replace names. */
    public record Versioned<T>(T value, String eTag) {
    }

    private static final java.time.Duration ATTEMPT_TIMEOUT = java.time.Duration.ofSeconds(5);

    private final S3Client s3;
    private final String bucket;
    private final Class<T> type;
    private final String what;
    private final Clock clock;

    /** @param what the object's name in messages ("the export's status") */
    public ConditionalStore(S3Client s3, String bucket, Class<T> type, String what, Clock clock) {
        this.s3 = s3;
        this.bucket = bucket;
        this.type = type;
        this.what = what;
        this.clock = clock;
    }

    public Optional<Versioned<T>> find(String key) {
        try {
            ResponseBytes<GetObjectResponse> object = s3.getObjectAsBytes(b -> b.bucket(bucket).key(key));
            return Optional.of(new Versioned<>(Json.MAPPER.readValue(object.asByteArray(), type), object.response().eTag()));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (SdkException e) {
            throw new ApiException(ErrorCode.STORAGE_ERROR, capitalised() + " could not be read", e);
        } catch (IOException e) {
            throw new ApiException(ErrorCode.INTERNAL, capitalised() + " is not what it should be", e);
        }
    }

    /** Writes if the stored object is still {@code expectedETag} (null: if there is none yet); empty when the condition failed. */
    public Optional<Versioned<T>> write(String key, T next, String expectedETag) {
        T value = next.written(UUID.randomUUID().toString(), clock.instant());
        String body;
        try {
            body = Json.MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new ApiException(ErrorCode.INTERNAL, capitalised() + " could not be written", e);
        }
        try {
            String eTag = s3.putObject(b -> {
                b.bucket(bucket).key(key).contentType("application/json").serverSideEncryption(ServerSideEncryption.AES256)
                        // A few hundred bytes: an attempt that hangs is cut and retried (and its outcome settled below).
                        .overrideConfiguration(o -> o.apiCallAttemptTimeout(ATTEMPT_TIMEOUT));
                if (expectedETag == null) {
                    b.ifNoneMatch("*");
                } else {
                    b.ifMatch(expectedETag);
                }
            }, RequestBody.fromString(body)).eTag();
            return Optional.of(new Versioned<>(value, eTag));
        } catch (S3Exception e) {
            // 412: the condition failed; 409: a concurrent conditional write won the race.
            if (e.statusCode() != 412 && e.statusCode() != 409) {
                throw new ApiException(ErrorCode.STORAGE_ERROR, capitalised() + " could not be stored", e);
            }
            return settle(key, value, expectedETag, e);
        } catch (SdkException | UncheckedIOException e) {
            return settle(key, value, expectedETag, e);
        }
    }

    public void delete(String key) {
        try {
            s3.deleteObject(b -> b.bucket(bucket).key(key));
        } catch (SdkException e) {
            JsonLog.error("could not delete " + what, e, "key", key);
        }
    }

    /**
     * After a refusal or a lost answer, what is stored says how the write ended: this write's own
     * version (it landed), another version than the one it was conditioned on (it lost, and never
     * can land), or still the version it was conditioned on (it did not land: a storage error).
     */
    private Optional<Versioned<T>> settle(String key, T written, String expectedETag, RuntimeException failure) {
        Optional<Versioned<T>> stored = find(key);
        if (stored.isPresent() && written.writeId().equals(stored.get().value().writeId())) {
            return stored;
        }
        // S3's own 412/409 (on a retried attempt too) says the condition failed then, even if the object
        // has changed since (a place given back meanwhile): the caller reads again, as after any lost race.
        boolean refusedByS3 = failure instanceof S3Exception s3 && (s3.statusCode() == 412 || s3.statusCode() == 409);
        boolean conditionFailed = refusedByS3 || (expectedETag == null ? stored.isPresent()
                : stored.isEmpty() || !expectedETag.equals(stored.get().eTag()));
        if (conditionFailed) {
            return Optional.empty();
        }
        throw new ApiException(ErrorCode.STORAGE_ERROR, capitalised() + " could not be stored", failure);
    }

    private String capitalised() {
        return Character.toUpperCase(what.charAt(0)) + what.substring(1);
    }
}
