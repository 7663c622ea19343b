package com.onboardingexport.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.onboardingexport.shared.ApiException;
import com.onboardingexport.shared.ErrorCode;
import com.onboardingexport.shared.Json;
import java.io.IOException;
import java.time.Clock;
import java.util.Optional;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;

/**
 * The state of an asynchronous export, as a small JSON object beside the exports in the same
 * private bucket ({@code status/<export id>.json}), expiring with them by the bucket's lifecycle.
 * No database: one writer per export, and readers only poll.
 */
public final class ExportStatusStore {
    public static final String RUNNING = "running";
    public static final String SUCCEEDED = "succeeded";
    public static final String FAILED = "failed";

    private final S3Client s3;
    private final String bucket;
    private final Clock clock;

    public ExportStatusStore(S3Client s3, String bucket, Clock clock) {
        this.s3 = s3;
        this.bucket = bucket;
        this.clock = clock;
    }

    /** A new status, or a copy of {@code previous} moved on: {@code running}, {@code succeeded} or {@code failed}. */
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

    public void put(ObjectNode status) {
        status.put("updated_at", clock.instant().toString());
        try {
            s3.putObject(b -> b.bucket(bucket).key(key(status.path("export_id").asText()))
                            .contentType("application/json")
                            .serverSideEncryption(ServerSideEncryption.AES256),
                    RequestBody.fromString(status.toString()));
        } catch (SdkException e) {
            throw new ApiException(ErrorCode.STORAGE_ERROR, "The export's status could not be stored", e);
        }
    }

    public Optional<ObjectNode> find(String exportId) {
        try {
            byte[] bytes = s3.getObjectAsBytes(b -> b.bucket(bucket).key(key(exportId))).asByteArray();
            JsonNode json = Json.MAPPER.readTree(bytes);
            return json instanceof ObjectNode object ? Optional.of(object) : Optional.empty();
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
            com.onboardingexport.shared.JsonLog.error("could not delete a status object", e, "export_id", exportId);
        }
    }

    static String key(String exportId) {
        return "status/" + exportId + ".json";
    }
}
