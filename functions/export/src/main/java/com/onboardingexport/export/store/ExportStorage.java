package com.onboardingexport.export.store;

import com.onboardingexport.shared.ApiException;
import com.onboardingexport.shared.ErrorCode;
import java.net.URL;
import java.time.Duration;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * The private export bucket: writes a file as it is produced (the object appears whole or not at
 * all), signs a short-lived GET link to it, and deletes it when an export fails after writing.
 */
public final class ExportStorage {
    private final S3Client s3;
    private final S3Presigner presigner;
    private final String bucket;

    public ExportStorage(S3Client s3, S3Presigner presigner, String bucket) {
        this.s3 = s3;
        this.presigner = presigner;
        this.bucket = bucket;
    }

    /** A new object, written as it is produced; it appears only when the upload completes. */
    public ExportUpload open(String key, String contentType, String filename) {
        return new ExportUpload(s3, bucket, key, contentType, filename);
    }

    public URL presignGet(String key, Duration ttl) {
        try {
            return presigner.presignGetObject(b -> b.signatureDuration(ttl)
                    .getObjectRequest(get -> get.bucket(bucket).key(key))).url();
        } catch (SdkException | IllegalArgumentException e) {
            throw new ApiException(ErrorCode.STORAGE_ERROR, "The download link could not be signed", e);
        }
    }

    /** Best effort: a failed export must leave nothing behind, but a failed delete must not hide the first error. */
    public void deleteQuietly(String key) {
        try {
            s3.deleteObject(b -> b.bucket(bucket).key(key));
        } catch (SdkException e) {
            com.onboardingexport.shared.JsonLog.error("could not delete a failed export's object", e, "key", key);
        }
    }
}
