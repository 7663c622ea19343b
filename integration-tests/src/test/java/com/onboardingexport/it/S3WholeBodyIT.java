package com.onboardingexport.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.onboardingexport.local.services.LocalS3;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.retries.DefaultRetryStrategy;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The tests' S3 server answers an upload only once its whole body is in, as S3 does. The SDK frames
 * an upload in aws-chunked chunks, closed by an empty chunk and a checksum trailer; a server that
 * answers before those arrive and drops the connection fails a client still sending them ("Error
 * writing request body to server"), and its retry of a conditional write then meets its own object.
 */
class S3WholeBodyIT {
    /** How long the relay holds back the last bytes of each request body: far longer than S3Proxy takes to store a small object. */
    private static final long HOLD_MILLIS = 700;
    private static final int HELD_BYTES = 150;

    @Test
    @DisplayName("uploads whose closing chunk and trailer come late: answered after them, at the first attempt; a conditional create wins once")
    void answeredAfterTheWholeBody() throws Exception {
        try (LocalS3 s3 = LocalS3.start(0); LateEndRelay relay = new LateEndRelay(s3.endpoint());
             S3Client client = S3Client.builder().endpointOverride(relay.endpoint()).region(LocalS3.REGION)
                     .credentialsProvider(s3.credentials()).forcePathStyle(true)
                     .httpClient(UrlConnectionHttpClient.create())
                     .overrideConfiguration(o -> o.retryStrategy(DefaultRetryStrategy.doNotRetry())).build()) {
            s3.createBucket("whole-bodies");
            client.putObject(b -> b.bucket("whole-bodies").key("exports/file.csv"), RequestBody.fromBytes(new byte[20_000]));
            client.putObject(b -> b.bucket("whole-bodies").key("running/place.json").ifNoneMatch("*"),
                    RequestBody.fromString("{\"export_id\":\"e\"}"));
            S3Exception taken = assertThrows(S3Exception.class, () -> client.putObject(
                    b -> b.bucket("whole-bodies").key("running/place.json").ifNoneMatch("*"), RequestBody.fromString("{\"export_id\":\"f\"}")));
            assertEquals(412, taken.statusCode());

            assertEquals(List.of(false, false, false), relay.answeredEarly, "an answer came while the body's last bytes were held back");
            assertEquals(20_000, client.getObjectAsBytes(b -> b.bucket("whole-bodies").key("exports/file.csv")).asByteArray().length);
        }
    }

    /**
     * A loopback relay to the server that forwards each request at once except the last
     * {@value #HELD_BYTES} bytes of its body, which it sends {@value #HOLD_MILLIS} ms later; it notes,
     * per request with a body, whether the server answered in between.
     */
    private static final class LateEndRelay implements AutoCloseable {
        final List<Boolean> answeredEarly = new CopyOnWriteArrayList<>();
        private final ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        private final URI target;

        LateEndRelay(URI target) throws IOException {
            this.target = target;
            Thread acceptor = new Thread(this::accept, "late-end-relay");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        URI endpoint() {
            return URI.create("http://127.0.0.1:" + listener.getLocalPort());
        }

        private void accept() {
            while (!listener.isClosed()) {
                try {
                    Socket client = listener.accept();
                    Thread connection = new Thread(() -> relay(client), "late-end-relay-connection");
                    connection.setDaemon(true);
                    connection.start();
                } catch (IOException closed) {
                    return;
                }
            }
        }

        private void relay(Socket client) {
            try (client; Socket server = new Socket(target.getHost(), target.getPort())) {
                AtomicLong answered = new AtomicLong();
                Thread answers = new Thread(() -> pump(server, client, answered), "late-end-relay-answers");
                answers.setDaemon(true);
                answers.start();
                InputStream in = client.getInputStream();
                OutputStream out = server.getOutputStream();
                for (byte[] head = readHead(in); head != null; head = readHead(in)) {
                    out.write(head);
                    long length = contentLength(head);
                    if (length > HELD_BYTES) {
                        out.write(in.readNBytes((int) length - HELD_BYTES));
                        out.flush();
                        long before = answered.get();
                        Thread.sleep(HOLD_MILLIS);
                        answeredEarly.add(answered.get() != before);
                        out.write(in.readNBytes(HELD_BYTES));
                    } else {
                        out.write(in.readNBytes((int) length));
                    }
                    out.flush();
                }
                answers.join(10_000);
            } catch (IOException | InterruptedException e) {
                // the client or the server closed the connection
            }
        }

        private static void pump(Socket from, Socket to, AtomicLong bytes) {
            try {
                byte[] buffer = new byte[8192];
                for (int n = from.getInputStream().read(buffer); n > 0; n = from.getInputStream().read(buffer)) {
                    bytes.addAndGet(n);
                    to.getOutputStream().write(buffer, 0, n);
                    to.getOutputStream().flush();
                }
                to.shutdownOutput();
            } catch (IOException closed) {
                // the connection is over
            }
        }

        /** A request's line and headers, through the empty line; null at the end of the connection. */
        private static byte[] readHead(InputStream in) throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            for (int b = in.read(); b >= 0; b = in.read()) {
                head.write(b);
                byte[] bytes = head.toByteArray();
                int n = bytes.length;
                if (n >= 4 && bytes[n - 4] == '\r' && bytes[n - 3] == '\n' && bytes[n - 2] == '\r' && bytes[n - 1] == '\n') {
                    return bytes;
                }
            }
            return null;
        }

        private static long contentLength(byte[] head) {
            for (String line : new String(head, StandardCharsets.ISO_8859_1).split("\r\n")) {
                if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                    return Long.parseLong(line.substring("content-length:".length()).trim());
                }
            }
            return 0;
        }

        @Override
        public void close() throws IOException {
            listener.close();
        }
    }
}
