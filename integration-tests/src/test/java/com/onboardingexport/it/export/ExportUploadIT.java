package com.onboardingexport.it.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.onboardingexport.export.store.ExportStorage;
import com.onboardingexport.export.store.ExportUpload;
import com.onboardingexport.local.services.LocalS3;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * The export's upload against S3Proxy (which checks every signature): a file streamed in parts
 * appears whole, with its headers, only when completed; an upload closed before that leaves
 * neither an object nor an open multipart upload.
 */
class ExportUploadIT {
    private static final String BUCKET = "upload-test";
    private static LocalS3 s3;
    private static S3Client client;
    private static ExportStorage storage;

    @BeforeAll
    static void start() throws Exception {
        s3 = LocalS3.start(0);
        s3.createBucket(BUCKET);
        client = s3.client();
        storage = new ExportStorage(client, s3.presigner(), BUCKET);
    }

    @AfterAll
    static void stop() throws Exception {
        client.close();
        s3.close();
    }

    private static byte[] bytes(int size) {
        byte[] bytes = new byte[size];
        new Random(size).nextBytes(bytes);
        return bytes;
    }

    /** Written in uneven slices, as a CSV printer would. */
    private static void write(ExportUpload upload, byte[] bytes) {
        int offset = 0;
        int slice = 1;
        while (offset < bytes.length) {
            int length = Math.min(slice, bytes.length - offset);
            upload.write(bytes, offset, length);
            offset += length;
            slice = slice * 3 % 70_001 + 1;
        }
    }

    @Test
    @DisplayName("20 MiB streamed in three parts: one object, byte for byte, with its type, disposition and encryption")
    void partsMakeOneObject() {
        byte[] file = bytes(20 * 1024 * 1024 + 5);
        try (ExportUpload upload = storage.open("exports/a/big.csv", "text/csv; charset=utf-8", "big.csv")) {
            write(upload, file);
            upload.write('x');
            upload.complete();
            assertEquals(file.length + 1L, upload.size());
        }
        ResponseBytes<GetObjectResponse> object = client.getObjectAsBytes(b -> b.bucket(BUCKET).key("exports/a/big.csv"));
        byte[] expected = java.util.Arrays.copyOf(file, file.length + 1);
        expected[file.length] = 'x';
        assertArrayEquals(expected, object.asByteArray());
        assertTrue(object.response().eTag().endsWith("-3\""), "a multipart object of three parts: " + object.response().eTag());
        assertEquals("text/csv; charset=utf-8", object.response().contentType());
        assertEquals("attachment; filename=\"big.csv\"", object.response().contentDisposition());
    }

    @Test
    @DisplayName("a small file goes in one PUT")
    void smallFileInOnePut() {
        byte[] file = bytes(1000);
        try (ExportUpload upload = storage.open("exports/a/small.json", "application/json", "small.json")) {
            write(upload, file);
            upload.complete();
        }
        ResponseBytes<GetObjectResponse> object = client.getObjectAsBytes(b -> b.bucket(BUCKET).key("exports/a/small.json"));
        assertArrayEquals(file, object.asByteArray());
        assertFalse(object.response().eTag().contains("-"), "a single PUT: " + object.response().eTag());
    }

    @Test
    @DisplayName("an upload closed before it completes (the export failed midway) leaves no object and no open upload")
    void failedUploadLeavesNothing() {
        try (ExportUpload upload = storage.open("exports/a/failed.csv", "text/csv", "failed.csv")) {
            write(upload, bytes(17 * 1024 * 1024));
        }
        assertThrows(NoSuchKeyException.class, () -> client.headObject(b -> b.bucket(BUCKET).key("exports/a/failed.csv")));
        assertEquals(List.of(), client.listMultipartUploads(b -> b.bucket(BUCKET)).uploads());
    }
}
