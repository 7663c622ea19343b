package com.onboardingexport.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.onboardingexport.shared.ApiException;
import com.onboardingexport.shared.ErrorCode;
import com.onboardingexport.shared.Json;
import com.onboardingexport.shared.JsonLog;
import java.io.IOException;
import java.time.Clock;
import java.util.Optional;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;

/**
 * The state of a background export, as a small JSON object beside the exports in the same
 * private bucket ({@code status/<export id>.json}), expiring with them by the bucket's lifecycle.
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
    public static final String RUNNING = "running";
    public static final String SUCCEEDED = "succeeded";
    public static final String FAILED = "failed";

    /** A status as read, with the ETag a conditional replace names. */
    public record Versioned(ObjectNode status, String eTag) {
        public String state() {
            return status.path("status").asText();
        }

        public boolean running() {
            return RUNNING.equals(state());
        }
    }

    private final S3Client s3;
    private final String bucket;
    private final Clock clock;

    public ExportStatusStore(S3Client s3, String bucket, Clock clock) {
        this.s3 = s3;
        this.bucket = bucket;
        this.clock = clock;
    }

    /** A new running status. */
    public ObjectNode running(String exportId, Principal owner, long total, long rowsWritten) {
        ObjectNode status = Json.MAPPER.createObjectNode();
        status.put("export_id", exportId);
        status.put("status", RUNNING);
        status.put("owner_user_id", owner.userId());
        // What the requester was allowed to see when it asked: a later read re-checks against it.
        status.put("owner_role", owner.role());
        status.put("owner_client_id", owner.clientId());
        status.put("created_at", clock.instant().toString());
        status.put("total", total);
        status.put("rows_written", rowsWritten);
        return status;
    }

    /** Creates the status of a new export; never replaces one. */
    public void create(ObjectNode status) {
        if (write(status, null).isEmpty()) {
            throw new ApiException(ErrorCode.INTERNAL, "An export with this id exists already");
        }
    }

    /**
     * Replaces {@code current} by {@code next} if nobody wrote it since it was read, and never a
     * finished status. Empty when the condition failed: read again and decide anew.
     */
    public Optional<Versioned> replace(Versioned current, ObjectNode next) {
        if (!current.running()) {
            return Optional.empty();
        }
        return write(next, current.eTag()).map(eTag -> new Versioned(next, eTag));
    }

    public Optional<Versioned> find(String exportId) {
        try {
            ResponseBytes<GetObjectResponse> object = s3.getObjectAsBytes(b -> b.bucket(bucket).key(key(exportId)));
            JsonNode json = Json.MAPPER.readTree(object.asByteArray());
            return json instanceof ObjectNode status ? Optional.of(new Versioned(status, object.response().eTag())) : Optional.empty();
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (SdkException e) {
            throw new ApiException(ErrorCode.STORAGE_ERROR, "The export's status could not be read", e);
        } catch (IOException e) {
            throw new ApiException(ErrorCode.INTERNAL, "The export's status is not JSON", e);
        }
    }

    public void delete(String exportId) {
        try {
            s3.deleteObject(b -> b.bucket(bucket).key(key(exportId)));
        } catch (SdkException e) {
            JsonLog.error("could not delete a status object", e, "export_id", exportId);
        }
    }

    /**
     * Writes if the stored status is still {@code expectedETag} (null: if there is none yet).
     * The new ETag, or empty when the condition failed.
     */
    private Optional<String> write(ObjectNode status, String expectedETag) {
        status.put("updated_at", clock.instant().toString());
        String writeId = java.util.UUID.randomUUID().toString();
        status.put("write_id", writeId);
        try {
            return Optional.of(s3.putObject(b -> {
                b.bucket(bucket).key(key(status.path("export_id").asText()))
                        .contentType("application/json")
                        .serverSideEncryption(ServerSideEncryption.AES256);
                if (expectedETag == null) {
                    b.ifNoneMatch("*");
                } else {
                    b.ifMatch(expectedETag);
                }
            }, RequestBody.fromString(status.toString())).eTag());
        } catch (S3Exception e) {
            // 412: the condition failed; 409: a concurrent conditional write won the race.
            if (e.statusCode() != 412 && e.statusCode() != 409) {
                throw new ApiException(ErrorCode.STORAGE_ERROR, "The export's status could not be stored", e);
            }
            return settle(status.path("export_id").asText(), writeId, expectedETag, e);
        } catch (SdkException | java.io.UncheckedIOException e) {
            return settle(status.path("export_id").asText(), writeId, expectedETag, e);
        }
    }

    /**
     * After a refusal or a lost answer, what is stored says how the write ended: this write's own
     * version (it landed), another version than the one it was conditioned on (it lost, and never
     * can land), or still the version it was conditioned on (it did not land: a storage error).
     */
    private Optional<String> settle(String exportId, String writeId, String expectedETag, RuntimeException failure) {
        Optional<Versioned> stored = find(exportId);
        if (stored.isPresent() && writeId.equals(stored.get().status().path("write_id").asText())) {
            return Optional.of(stored.get().eTag());
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
