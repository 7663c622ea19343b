package com.onboardingexport.export;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.onboardingexport.shared.ApiException;
import com.onboardingexport.shared.ErrorCode;
import com.onboardingexport.shared.Json;
import com.onboardingexport.shared.JsonLog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
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
 * The {@link ExportStatus} of background exports, as small JSON objects beside the exports in the
 * same private bucket ({@code status/<export id>.json}), expiring with them by the bucket's lifecycle.
 *
 * <p>No database, and no lost update: a status is created only if none exists
 * ({@code If-None-Match: *}) and replaced only if it is still the version the writer read
 * ({@code If-Match: <ETag>}), S3's conditional writes. A writer whose condition fails reads again
 * and decides anew, so a finished status ({@code succeeded} or {@code failed}) is never
 * overwritten, whatever order duplicate deliveries and progress writes arrive in.
 *
 * <p>A conditional write whose answer is lost (a connection cut after S3 stored it; the SDK's retry
 * then meets the writer's own object and gets 412) is ambiguous: each write carries a random
 * {@code write_id}, and on a refusal or a transport failure the store reads the object back to
 * learn whether the stored version is its own.
 */
public final class ExportStatusStore {
    /** A status as read, with the ETag a conditional replace names. */
    public record Versioned(ExportStatus status, String eTag) {
    }

    private final S3Client s3;
    private final String bucket;
    private final Clock clock;

    public ExportStatusStore(S3Client s3, String bucket, Clock clock) {
        this.s3 = s3;
        this.bucket = bucket;
        this.clock = clock;
    }

    /** Creates the status of a new export; never replaces one. */
    public Versioned create(ExportStatus status) {
        return write(status, null).orElseThrow(() -> new ApiException(ErrorCode.INTERNAL, "An export with this id exists already"));
    }

    /**
     * Replaces {@code current} by {@code next} if nobody wrote it since it was read, and never a
     * finished status. Empty when the condition failed: read again and decide anew.
     */
    public Optional<Versioned> replace(Versioned current, ExportStatus next) {
        if (!current.status().isRunning()) {
            return Optional.empty();
        }
        return write(next, current.eTag());
    }

    public Optional<Versioned> find(String exportId) {
        try {
            ResponseBytes<GetObjectResponse> object = s3.getObjectAsBytes(b -> b.bucket(bucket).key(key(exportId)));
            return Optional.of(new Versioned(Json.MAPPER.readValue(object.asByteArray(), ExportStatus.class), object.response().eTag()));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (SdkException e) {
            throw new ApiException(ErrorCode.STORAGE_ERROR, "The export's status could not be read", e);
        } catch (IOException e) {
            throw new ApiException(ErrorCode.INTERNAL, "The export's status is not a status object", e);
        }
    }

    public void delete(String exportId) {
        try {
            s3.deleteObject(b -> b.bucket(bucket).key(key(exportId)));
        } catch (SdkException e) {
            JsonLog.error("could not delete a status object", e, "export_id", exportId);
        }
    }

    /** Writes if the stored status is still {@code expectedETag} (null: if there is none yet); empty when the condition failed. */
    private Optional<Versioned> write(ExportStatus next, String expectedETag) {
        ExportStatus status = next.written(UUID.randomUUID().toString(), clock.instant());
        String body;
        try {
            body = Json.MAPPER.writeValueAsString(status);
        } catch (JsonProcessingException e) {
            throw new ApiException(ErrorCode.INTERNAL, "The export's status could not be written", e);
        }
        try {
            String eTag = s3.putObject(b -> {
                b.bucket(bucket).key(key(status.exportId()))
                        .contentType("application/json")
                        .serverSideEncryption(ServerSideEncryption.AES256);
                if (expectedETag == null) {
                    b.ifNoneMatch("*");
                } else {
                    b.ifMatch(expectedETag);
                }
            }, RequestBody.fromString(body)).eTag();
            return Optional.of(new Versioned(status, eTag));
        } catch (S3Exception e) {
            // 412: the condition failed; 409: a concurrent conditional write won the race.
            if (e.statusCode() != 412 && e.statusCode() != 409) {
                throw new ApiException(ErrorCode.STORAGE_ERROR, "The export's status could not be stored", e);
            }
            return settle(status, expectedETag, e);
        } catch (SdkException | UncheckedIOException e) {
            return settle(status, expectedETag, e);
        }
    }

    /**
     * After a refusal or a lost answer, what is stored says how the write ended: this write's own
     * version (it landed), another version than the one it was conditioned on (it lost, and never
     * can land), or still the version it was conditioned on (it did not land: a storage error).
     */
    private Optional<Versioned> settle(ExportStatus written, String expectedETag, RuntimeException failure) {
        Optional<Versioned> stored = find(written.exportId());
        if (stored.isPresent() && written.writeId().equals(stored.get().status().writeId())) {
            return stored;
        }
        boolean conditionFailed = expectedETag == null ? stored.isPresent()
                : stored.isEmpty() || !expectedETag.equals(stored.get().eTag());
        if (conditionFailed) {
            return Optional.empty();
        }
        throw new ApiException(ErrorCode.STORAGE_ERROR, "The export's status could not be stored", failure);
    }

    static String key(String exportId) {
        return "status/" + exportId + ".json";
    }
}
