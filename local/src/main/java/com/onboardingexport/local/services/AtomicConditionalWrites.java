package com.onboardingexport.local.services;

import java.io.InputStream;
import java.util.concurrent.ConcurrentHashMap;
import org.gaul.s3proxy.S3ErrorCode;
import org.gaul.s3proxy.S3ProxyException;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.blobstore.ForwardingBlobStore;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;

/**
 * S3 evaluates a conditional write ({@code If-Match}, {@code If-None-Match}) atomically with the
 * write itself. S3Proxy checks the condition against the key's metadata, then writes, so two
 * racing conditional writes could both pass its check. This evaluates the condition again with
 * the write, under a lock per key, as S3 does. Plain writes are left alone.
 */
final class AtomicConditionalWrites extends ForwardingBlobStore {
    private final ConcurrentHashMap<String, Object> keyLocks = new ConcurrentHashMap<>();

    AtomicConditionalWrites(BlobStore delegate) {
        super(delegate);
    }

    @Override
    public PutObjectResponse putBlob(PutObjectRequest request, InputStream content) {
        if (request.ifMatch() == null && request.ifNoneMatch() == null) {
            return super.putBlob(request, content);
        }
        synchronized (keyLocks.computeIfAbsent(request.bucket() + "/" + request.key(), k -> new Object())) {
            HeadObjectResponse current = delegate().blobMetadataIfPresent(request.bucket(), request.key());
            boolean holds = request.ifNoneMatch() != null
                    ? current == null
                    : current != null && unquoted(request.ifMatch()).equals(unquoted(current.eTag()));
            if (!holds) {
                throw new S3ProxyException(S3ErrorCode.PRECONDITION_FAILED);
            }
            return super.putBlob(request, content);
        }
    }

    private static String unquoted(String eTag) {
        return eTag == null ? "" : eTag.replace("\"", "");
    }
}
