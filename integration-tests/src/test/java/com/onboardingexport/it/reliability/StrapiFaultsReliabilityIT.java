package com.onboardingexport.it.reliability;

import static com.onboardingexport.it.reliability.Reliability.PARTS;
import static com.onboardingexport.it.reliability.Reliability.bucketKeys;
import static com.onboardingexport.it.reliability.Reliability.error;
import static com.onboardingexport.it.reliability.Reliability.newKeys;
import static com.onboardingexport.it.reliability.Reliability.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.onboardingexport.export.api.ExportHandler;
import com.onboardingexport.it.export.ExportFixture;
import com.onboardingexport.local.faults.StrapiFaultProxy;
import com.onboardingexport.local.faults.StrapiFaultProxy.Fault;
import com.onboardingexport.local.lambda.LocalLambdaContext;
import com.onboardingexport.shared.JsonLog;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Strapi misbehaving under a real export: the real Strapi behind {@link StrapiFaultProxy} (HTTP
 * faults, rewritten pages) or {@link TcpFaultServer} (resets, hangs, connects that never complete).
 * Transient faults are survived (the export is complete, row for row); the rest end in a clean
 * 502/504 within the Lambda's time, with no object left in the bucket.
 *
 * <p>Serial paging ({@code STRAPI_PARALLELISM=1}) makes "the n-th request" a known page: 1 is the
 * counted first page, 2.. are the keyset pages after it (100 rows each; the seed holds 414).
 */
class StrapiFaultsReliabilityIT {
    private static final String ALL_TIME = "{\"date_range\":\"all_time\"}";
    private static final Map<String, String> SERIAL = Map.of("STRAPI_PARALLELISM", "1");

    private static StrapiFaultProxy proxy;
    private static long total;

    /** What the proxy saw: request number, path and query, arrival time. */
    private record Seen(int number, String pathAndQuery, long nanos) {
    }

    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeAll
    static void startProxy() throws IOException {
        proxy = StrapiFaultProxy.start(PARTS.strapi.url());
        total = Reliability.FIXTURE.strapiRows("").size();
        assertTrue(total > 300, "the seed spans several Strapi pages");
    }

    @AfterAll
    static void stopProxy() {
        proxy.close();
    }

    @BeforeEach
    void resetProxy() {
        proxy.reset();
    }

    @AfterEach
    void closeServers() throws Exception {
        for (AutoCloseable closeable : toClose) {
            closeable.close();
        }
    }

    /** Records every request the proxy sees and answers the planned fault, if any. */
    private void plan(StrapiFaultProxy.FaultPlan faults) {
        proxy.plan((n, path) -> {
            seen.add(new Seen(n, path, System.nanoTime()));
            return faults.faultFor(n, path);
        });
    }

    private static APIGatewayProxyResponseEvent export(ExportHandler handler, String userId, Duration lambdaTimeLeft) {
        return handler.handleApiRequest(ExportFixture.request(userId, "admin", "", ALL_TIME), new LocalLambdaContext(lambdaTimeLeft));
    }

    /** Guards: the client's retry of transient statuses. Without it the first 5xx/429 is the export's end. */
    @ParameterizedTest(name = "HTTP {0} on request {1}, then Strapi's own answer: the export is complete")
    @CsvSource({"503, 1", "502, 3", "504, 4", "429, 2"})
    void transientStatusIsRetried(int status, int failing) throws Exception {
        plan((n, path) -> n == failing ? Fault.status(status) : null);
        ExportHandler handler = Reliability.handler(proxy.url(), SERIAL);

        JsonNode body = ok(export(handler, "rel-transient-" + status, Duration.ofSeconds(60)));

        assertEquals(total, body.path("record_count").asLong());
        assertEquals(total, Reliability.csv(Reliability.download(body)).size(), "every row is in the file");
        assertEquals(seen.get(failing - 1).pathAndQuery(), seen.get(failing).pathAndQuery(), "the failed page was asked again");
    }

    /** Guards: Retry-After is honoured (our own first backoff would be 100–200 ms). */
    @Test
    @DisplayName("429 with Retry-After: 1: the next attempt waits at least a second, then the export succeeds")
    void retryAfterIsHonoured() throws Exception {
        plan((n, path) -> n == 1 ? new Fault(429, "{\"data\":null,\"error\":{\"status\":429,\"name\":\"RateLimitError\"}}", "1") : null);
        ExportHandler handler = Reliability.handler(proxy.url(), SERIAL);

        JsonNode body = ok(export(handler, "rel-429", Duration.ofSeconds(60)));

        assertEquals(total, body.path("record_count").asLong());
        long waitedMillis = (seen.get(1).nanos() - seen.get(0).nanos()) / 1_000_000;
        assertTrue(waitedMillis >= 1_000, "waited " + waitedMillis + " ms after Retry-After: 1");
        assertEquals(seen.get(0).pathAndQuery(), seen.get(1).pathAndQuery());
    }

    /** Guards: retries stay within the Lambda's time: a Retry-After past the deadline ends the export at once. */
    @Test
    @DisplayName("429 with a Retry-After longer than the time left: 502 at once, not a sleep past the deadline")
    void retryAfterBeyondTheDeadlineFailsFast() throws Exception {
        plan((n, path) -> new Fault(429, "{\"data\":null,\"error\":{\"status\":429}}", "30"));
        ExportHandler handler = Reliability.handler(proxy.url(), SERIAL);
        Set<String> before = bucketKeys();

        long started = System.nanoTime();
        APIGatewayProxyResponseEvent response = assertTimeoutPreemptively(Duration.ofSeconds(20),
                () -> export(handler, "rel-429-long", Duration.ofSeconds(6)));
        long tookMillis = (System.nanoTime() - started) / 1_000_000;

        error(response, 502, "UPSTREAM_ERROR");
        assertTrue(tookMillis < 5_000, "answered after " + tookMillis + " ms, within the 6 s the Lambda had");
        assertEquals(1, seen.size(), "no attempt that could not finish in time");
        assertEquals(Set.of(), newKeys(before));
    }

    /** Guards: connection errors are retried (a reset connection is transient). */
    @Test
    @DisplayName("the first connection reset by the peer in the middle of its answer, the next ones fine: the export is complete")
    void connectionResetIsRetried() throws Exception {
        // Reset after the answer began: the JDK's client may silently retry a reset before any answer
        // byte by itself, which would leave the Strapi client's own retry untested.
        TcpFaultServer resets = TcpFaultServer.start(PARTS.strapi.url(),
                (n, head) -> n == 1 ? TcpFaultServer.Action.RESET_MID_ANSWER : TcpFaultServer.Action.FORWARD, 0);
        toClose.add(resets);
        ExportHandler handler = Reliability.handler(resets.url(), SERIAL);
        ByteArrayOutputStream logs = new ByteArrayOutputStream();
        JsonLog.redirect(new PrintStream(logs, true, StandardCharsets.UTF_8));
        JsonNode body;
        try {
            body = ok(export(handler, "rel-reset-once", Duration.ofSeconds(60)));
        } finally {
            JsonLog.redirect(System.out);
        }

        assertEquals(total, body.path("record_count").asLong());
        assertEquals(total, Reliability.csv(Reliability.download(body)).size());
        assertTrue(resets.connections() >= 2, "a new connection after the reset");
        // The reset reached the Strapi client (not only the JDK's own connection handling), which tried again.
        assertTrue(logs.toString(StandardCharsets.UTF_8).lines().anyMatch(line -> line.contains("\"strapi request failed\"")
                && line.contains("\"attempt\":1") && line.contains("IOException")), logs::toString);
    }

    /** Guards: a Strapi that resets every connection ends in a clean 502 after the configured attempts. */
    @Test
    @DisplayName("every connection reset: 502 after three attempts, no object")
    void connectionAlwaysResetIs502() throws Exception {
        TcpFaultServer resets = TcpFaultServer.start(null, (n, head) -> TcpFaultServer.Action.RESET, 0);
        toClose.add(resets);
        ExportHandler handler = Reliability.handler(resets.url(), SERIAL);
        Set<String> before = bucketKeys();

        JsonNode error = error(export(handler, "rel-reset-always", Duration.ofSeconds(30)), 502, "UPSTREAM_ERROR");

        assertTrue(error.path("message").asText().contains("connection failed"), error.toString());
        assertTrue(resets.connections() >= 3, resets.connections() + " connections for 3 attempts");
        assertEquals(Set.of(), newKeys(before));
    }

    @Test
    @DisplayName("nothing listening on Strapi's port: 502 within seconds, no object")
    void closedPortIs502() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        ExportHandler handler = Reliability.handler(URI.create("http://127.0.0.1:" + port), SERIAL);
        Set<String> before = bucketKeys();
        long started = System.nanoTime();

        error(export(handler, "rel-closed", Duration.ofSeconds(30)), 502, "UPSTREAM_ERROR");

        assertTrue(System.nanoTime() - started < Duration.ofSeconds(10).toNanos());
        assertEquals(Set.of(), newKeys(before));
    }

    /** Guards: the per-request read timeout, capped by the time left. Without it a hung Strapi hangs the Lambda. */
    @Test
    @DisplayName("Strapi accepts the connection and never answers: 504 before the Lambda's time is up")
    void hungStrapiIs504WithinTheDeadline() throws Exception {
        TcpFaultServer hangs = TcpFaultServer.start(null, (n, head) -> TcpFaultServer.Action.HANG, 0);
        toClose.add(hangs);
        ExportHandler handler = Reliability.handler(hangs.url(), Map.of("STRAPI_PARALLELISM", "1", "STRAPI_TIMEOUT_MS", "1500"));
        Set<String> before = bucketKeys();

        long started = System.nanoTime();
        APIGatewayProxyResponseEvent response = assertTimeoutPreemptively(Duration.ofSeconds(20),
                () -> export(handler, "rel-hang", Duration.ofSeconds(5)));
        long tookMillis = (System.nanoTime() - started) / 1_000_000;

        error(response, 504, "UPSTREAM_TIMEOUT");
        assertTrue(tookMillis < 5_000, "answered after " + tookMillis + " ms; the Lambda had 5 s");
        assertTrue(hangs.connections() >= 2, "retried while there was time: " + hangs.connections());
        assertEquals(Set.of(), newKeys(before));
    }

    /**
     * Guards: the connect timeout. The listener's accept queue is full and it never accepts, so the
     * kernel drops the handshake: the connection neither succeeds nor fails.
     */
    @Test
    @DisplayName("Strapi's port never completes the TCP handshake: 504 before the Lambda's time is up")
    void connectThatNeverCompletesIs504() throws Exception {
        ServerSocket neverAccepts = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        toClose.add(neverAccepts);
        for (int i = 0; i < 3; i++) {
            Socket filler = new Socket();
            try {
                filler.connect(neverAccepts.getLocalSocketAddress(), 300);
            } catch (IOException queueFull) {
                // the queue is full: what this test needs
            }
            toClose.add(filler);
        }
        ExportHandler handler = Reliability.handler(URI.create("http://127.0.0.1:" + neverAccepts.getLocalPort()),
                Map.of("STRAPI_PARALLELISM", "1", "STRAPI_TIMEOUT_MS", "1500"));

        long started = System.nanoTime();
        APIGatewayProxyResponseEvent response = assertTimeoutPreemptively(Duration.ofSeconds(20),
                () -> export(handler, "rel-connect", Duration.ofSeconds(5)));
        long tookMillis = (System.nanoTime() - started) / 1_000_000;

        error(response, 504, "UPSTREAM_TIMEOUT");
        assertTrue(tookMillis < 5_000, "answered after " + tookMillis + " ms; the Lambda had 5 s");
    }

    /**
     * Guards: pages that are not JSON from the third on (so neither the page's entries asked for one at
     * a time nor their dates alone can be read) fail the export, and the file is never stored.
     */
    @ParameterizedTest(name = "parallelism {0}")
    @ValueSource(ints = {1, 4})
    @DisplayName("page 3 and every later answer are not JSON: 502 and no object in the bucket")
    void malformedPageIs502AndNoObject(int parallelism) throws Exception {
        plan((n, path) -> n >= 3 ? new Fault(200, "{\"data\":[{\"id\":201,\"documentId\":\"x\"", null) : null);
        ExportHandler handler = Reliability.handler(proxy.url(), Map.of("STRAPI_PARALLELISM", Integer.toString(parallelism), "STRAPI_PAGE_SIZE", "10"));
        Set<String> before = bucketKeys();

        JsonNode error = error(export(handler, "rel-malformed-" + parallelism, Duration.ofSeconds(60)), 502, "UPSTREAM_ERROR");

        assertTrue(error.path("message").asText().contains("not JSON"), error.toString());
        assertEquals(Set.of(), newKeys(before));
    }

    /** Guards: rows read are checked against the count; a page that comes back empty is not the end of the data. */
    @ParameterizedTest(name = "parallelism {0}")
    @ValueSource(ints = {1, 4})
    @DisplayName("a keyset page in the middle comes back empty: 502 \"data changed\", no object")
    void missingPageIs502AndNoObject(int parallelism) throws Exception {
        boolean[] dropped = {false};
        plan((n, path) -> {
            if (path.contains(encoded("filters[id][$gt]")) && !dropped[0]) {
                dropped[0] = true;
                return new Fault(200, "{\"data\":[],\"meta\":{}}", null);
            }
            return null;
        });
        ExportHandler handler = Reliability.handler(proxy.url(), Map.of("STRAPI_PARALLELISM", Integer.toString(parallelism), "STRAPI_PAGE_SIZE", "10"));
        Set<String> before = bucketKeys();

        JsonNode error = error(export(handler, "rel-missing-" + parallelism, Duration.ofSeconds(60)), 502, "UPSTREAM_ERROR");

        assertTrue(dropped[0]);
        assertTrue(error.path("message").asText().contains("data changed"), error.toString());
        assertEquals(Set.of(), newKeys(before));
    }

    /** Guards: the same check, from the other side: the count moves while the export pages. */
    @ParameterizedTest(name = "total {0} on the first page")
    @ValueSource(ints = {+1, -1})
    @DisplayName("the total changes while paging: 502 \"data changed\", no object")
    void totalThatChangesIs502AndNoObject(int delta) throws Exception {
        plan((n, path) -> {
            if (n != 1) {
                return null;
            }
            ObjectNode page = (ObjectNode) PARTS.strapi.get(path);
            ObjectNode pagination = (ObjectNode) page.path("meta").path("pagination");
            pagination.put("total", pagination.path("total").asLong() + delta);
            return new Fault(200, page.toString(), null);
        });
        ExportHandler handler = Reliability.handler(proxy.url(), SERIAL);
        Set<String> before = bucketKeys();

        JsonNode error = error(export(handler, "rel-total" + (delta > 0 ? "-more" : "-less"), Duration.ofSeconds(60)),
                502, "UPSTREAM_ERROR");

        assertTrue(error.path("message").asText().contains("data changed"), error.toString());
        assertEquals(Set.of(), newKeys(before));
    }

    /** Guards: keyset pages must move forward; a page that repeats rows already written fails the export. */
    @Test
    @DisplayName("page 3 repeats half of page 2: 502, no duplicated rows in any file")
    void overlappingPageIs502AndNoObject() throws Exception {
        Pattern after = Pattern.compile("(" + Pattern.quote(encoded("filters[id][$gt]")) + "=)(\\d+)");
        plan((n, path) -> {
            if (n != 3) {
                return null;
            }
            Matcher m = after.matcher(path);
            if (!m.find()) {
                return Fault.status(500); // not a keyset page: the test's premise is wrong, and it fails
            }
            String rewound = m.replaceFirst("$1" + (Long.parseLong(m.group(2)) - 50));
            return new Fault(200, PARTS.strapi.get(rewound).toString(), null);
        });
        ExportHandler handler = Reliability.handler(proxy.url(), SERIAL);
        Set<String> before = bucketKeys();

        error(export(handler, "rel-overlap", Duration.ofSeconds(60)), 502, "UPSTREAM_ERROR");

        assertEquals(Set.of(), newKeys(before));
    }

    /** Guards: an answer without data or pagination is refused rather than read as "no rows". */
    @Test
    @DisplayName("a first page that is JSON but not a page (Strapi's error shape with 200): 502, no object")
    void firstPageWithoutPaginationIs502() throws Exception {
        plan((n, path) -> n == 1 ? new Fault(200, "{\"data\":null,\"error\":{\"status\":500}}", null) : null);
        ExportHandler handler = Reliability.handler(proxy.url(), SERIAL);
        Set<String> before = bucketKeys();

        error(export(handler, "rel-notapage", Duration.ofSeconds(60)), 502, "UPSTREAM_ERROR");

        assertEquals(Set.of(), newKeys(before));
    }

    private static String encoded(String key) {
        return java.net.URLEncoder.encode(key, java.nio.charset.StandardCharsets.UTF_8);
    }
}
