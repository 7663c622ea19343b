package com.onboardingexport.export.store;

import com.onboardingexport.shared.ApiException;
import com.onboardingexport.shared.ErrorCode;
import com.onboardingexport.shared.JsonLog;
import com.onboardingexport.shared.Traces;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;

/**
 * An export file written straight into the bucket as it is produced, never whole on disk or in
 * memory: the bytes fill a part of {@value #PART_BYTES} bytes, which is sent as one part of an S3
 * multipart upload on a background thread while the next part fills. The object appears only when
 * {@link #complete()} succeeds; {@link #close()} without it aborts the upload, so no object, partial
 * or whole, is left (the bucket's rule that aborts incomplete uploads is the backstop for a process
 * that dies). A file smaller than one part goes in a single PUT.
 */
public final class ExportUpload extends OutputStream {
    /** 8 MiB: above S3's 5 MiB minimum part, and 10 000 parts (S3's maximum) make 80 GiB. */
    static final int PART_BYTES = 8 * 1024 * 1024;

    private final S3Client s3;
    private final String bucket;
    private final String key;
    private final String contentType;
    private final String contentDisposition;
    private final ExecutorService sender = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "export-upload");
        thread.setDaemon(true);
        return thread;
    });
    private final List<CompletedPart> parts = new ArrayList<>();
    private byte[] part = new byte[PART_BYTES];
    /** The part being sent, reused for filling once its send is done: two parts in memory at most. */
    private byte[] spare;
    private int filled;
    private long size;
    private String uploadId;
    private Future<CompletedPart> sending;
    private boolean completed;
    private boolean closed;
    /** The upload as one X-Ray subsegment, from the first byte to the object (or the abort). */
    private final Traces.Span span = Traces.open("ExportUpload");

    ExportUpload(S3Client s3, String bucket, String key, String contentType, String filename) {
        this.s3 = s3;
        this.bucket = bucket;
        this.key = key;
        this.contentType = contentType;
        this.contentDisposition = "attachment; filename=\"" + filename + "\"";
    }

    @Override
    public void write(int b) {
        if (filled == part.length) {
            sendPart();
        }
        part[filled++] = (byte) b;
        size++;
    }

    @Override
    public void write(byte[] bytes, int offset, int length) {
        while (length > 0) {
            if (filled == part.length) {
                sendPart();
            }
            int n = Math.min(length, part.length - filled);
            System.arraycopy(bytes, offset, part, filled, n);
            filled += n;
            offset += n;
            length -= n;
            size += n;
        }
    }

    /** The bytes written so far: the object's size once completed. */
    public long size() {
        return size;
    }

    /** Makes the object appear, whole; after this, closing keeps it. */
    public void complete() {
        try {
            if (uploadId == null) {
                s3.putObject(b -> b.bucket(bucket).key(key).contentType(contentType).contentDisposition(contentDisposition)
                        .serverSideEncryption(ServerSideEncryption.AES256), RequestBody.fromBytes(java.util.Arrays.copyOf(part, filled)));
            } else {
                if (filled > 0) {
                    sendPart();
                }
                awaitSending();
                s3.completeMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId)
                        .multipartUpload(m -> m.parts(parts)));
            }
            completed = true;
        } catch (SdkException e) {
            span.fail(e);
            throw new ApiException(ErrorCode.STORAGE_ERROR, "The export file could not be stored", e);
        }
    }

    private void sendPart() {
        try {
            if (uploadId == null) {
                uploadId = s3.createMultipartUpload(b -> b.bucket(bucket).key(key).contentType(contentType)
                        .contentDisposition(contentDisposition).serverSideEncryption(ServerSideEncryption.AES256)).uploadId();
            }
            awaitSending();
        } catch (SdkException e) {
            throw new ApiException(ErrorCode.STORAGE_ERROR, "The export file could not be stored", e);
        }
        byte[] full = part;
        int length = filled;
        int number = parts.size() + 1;
        part = spare != null ? spare : new byte[PART_BYTES];
        spare = full;
        filled = 0;
        sending = sender.submit(() -> {
            String eTag = s3.uploadPart(b -> b.bucket(bucket).key(key).uploadId(uploadId).partNumber(number),
                    RequestBody.fromInputStream(new java.io.ByteArrayInputStream(full, 0, length), length)).eTag();
            return CompletedPart.builder().partNumber(number).eTag(eTag).build();
        });
    }

    /** Waits for the part being sent, and records it; its failure is the upload's. */
    private void awaitSending() {
        if (sending == null) {
            return;
        }
        try {
            parts.add(sending.get());
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime instanceof SdkException sdk
                        ? new ApiException(ErrorCode.STORAGE_ERROR, "The export file could not be stored", sdk) : runtime;
            }
            throw new ApiException(ErrorCode.STORAGE_ERROR, "The export file could not be stored", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(ErrorCode.INTERNAL, "Interrupted while storing the export file", e);
        } finally {
            sending = null;
        }
    }

    /** Ends the upload: kept if completed, aborted otherwise (best effort: the first error is the one that counts). */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        sender.shutdownNow();
        if (!completed && uploadId != null) {
            try {
                s3.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId));
            } catch (SdkException e) {
                JsonLog.error("could not abort a failed export's upload", e, "key", key);
            }
        }
        part = null;
        spare = null;
        span.annotate("bytes", size).annotate("parts", uploadId == null ? (completed ? 1 : 0) : parts.size())
                .annotate("outcome", completed ? "stored" : "aborted").close();
    }
}
