package com.onboardingexport.export;

import com.onboardingexport.shared.ApiException;
import com.onboardingexport.shared.ErrorCode;
import java.net.URL;
import java.nio.file.Path;
import java.time.Duration;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * The private export bucket: writes a finished file in one PUT (the object appears whole or not
 * at all), signs a short-lived GET link to it, and deletes it when an export fails after writing.
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

    public void upload(String key, Path file, FileFormat format, String filename) {
        try {
            s3.putObject(b -> b.bucket(bucket)
                            .key(key)
                            .contentType(format.contentType())
                            .contentDisposition("attachment; filename=\"" + filename + "\"")
                            .serverSideEncryption(ServerSideEncryption.AES256),
                    RequestBody.fromFile(file));
        } catch (SdkException e) {
            throw new ApiException(ErrorCode.STORAGE_ERROR, "The export file could not be stored", e);
        }
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
