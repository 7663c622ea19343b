package com.onboardingexport.export;

import com.onboardingexport.shared.ApiException;
import com.onboardingexport.shared.ErrorCode;
import com.onboardingexport.shared.JsonLog;
import java.time.Instant;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;

/**
 * Which background exports each user has running, for the per-user limit: one small marker object
 * per running export, {@code running/user-<id>/<must finish by, epoch seconds>-<export id>}, in the
 * export bucket. Counting is one LIST of the user's prefix; a marker whose time has passed (a run
 * that died without removing it) no longer counts, and the bucket's lifecycle rule removes it.
 */
public final class RunningExports {
    private static final String PREFIX = "running/";

    private final S3Client s3;
    private final String bucket;

    public RunningExports(S3Client s3, String bucket) {
        this.s3 = s3;
        this.bucket = bucket;
    }

    /** Exports of this user still running at {@code now}. */
    public int count(String userId, Instant now) {
        try {
            int running = 0;
            for (S3Object marker : s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(userPrefix(userId))).contents()) {
                if (mustFinishBy(marker.key()) > now.getEpochSecond()) {
                    running++;
                }
            }
            return running;
        } catch (SdkException e) {
            throw new ApiException(ErrorCode.STORAGE_ERROR, "The running exports could not be counted", e);
        }
    }

    public void add(String userId, String exportId, Instant mustFinishBy) {
        try {
            // The body names the export, for whoever reads the bucket.
            s3.putObject(b -> b.bucket(bucket).key(key(userId, exportId, mustFinishBy)).contentType("application/json")
                    .serverSideEncryption(ServerSideEncryption.AES256),
                    RequestBody.fromString("{\"export_id\":\"" + exportId + "\",\"must_finish_by\":\"" + mustFinishBy + "\"}"));
        } catch (SdkException e) {
            throw new ApiException(ErrorCode.STORAGE_ERROR, "The export could not be recorded as running", e);
        }
    }

    /** Best effort: a marker left behind stops counting at its time anyway. */
    public void remove(String userId, String exportId, Instant mustFinishBy) {
        try {
            s3.deleteObject(b -> b.bucket(bucket).key(key(userId, exportId, mustFinishBy)));
        } catch (SdkException e) {
            JsonLog.warn("could not remove a running-export marker", "export_id", exportId, "error", e.toString());
        }
    }

    static String key(String userId, String exportId, Instant mustFinishBy) {
        return userPrefix(userId) + mustFinishBy.getEpochSecond() + "-" + exportId;
    }

    private static String userPrefix(String userId) {
        return PREFIX + "user-" + ExportService.safeKeyPart(userId) + "/";
    }

    private static long mustFinishBy(String key) {
        String name = key.substring(key.lastIndexOf('/') + 1);
        int dash = name.indexOf('-');
        try {
            return Long.parseLong(dash < 0 ? name : name.substring(0, dash));
        } catch (NumberFormatException e) {
            return 0; // not ours: never counts
        }
    }
}
