package com.onboardingexport.local.faults;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP proxy in front of the real Strapi that adds what a network and a sick server add:
 * latency on every request (the round trip between a Lambda and a remote Strapi), and faults
 * on chosen requests (an HTTP status instead of the answer, or a body that is not JSON).
 * The answers that are not faulted are Strapi's own.
 */
public final class StrapiFaultProxy implements AutoCloseable {
    /** What to do with the n-th request (1-based); {@code null} forwards it untouched. */
    public interface FaultPlan {
        Fault faultFor(int requestNumber, String pathAndQuery);
    }

    /**
     * A status to answer instead of Strapi (with an optional Retry-After), or a garbled body; or a
     * 200 whose body never ends ({@code stallMillis}: the headers, a first byte, then silence), or
     * one with {@code hugeBytes} characters of text in all (more than a small function's memory holds); or
     * Strapi's own answer, {@code delayMillis} late.
     */
    public record Fault(int status, String body, String retryAfter, long stallMillis, long hugeBytes, long delayMillis) {
        public Fault(int status, String body, String retryAfter) {
            this(status, body, retryAfter, 0, 0, 0);
        }

        public static Fault status(int status) {
            return new Fault(status, "{\"data\":null,\"error\":{\"status\":" + status + ",\"name\":\"InjectedFault\",\"message\":\"injected\"}}", null);
        }

        public static Fault notJson() {
            return new Fault(200, "<html>Bad gateway</html>", null);
        }

        public static Fault stall(java.time.Duration silence) {
            return new Fault(200, "{", null, silence.toMillis(), 0, 0);
        }

        public static Fault huge(long bytes) {
            return new Fault(200, "", null, 0, bytes, 0);
        }

        /** Strapi's answer, forwarded after {@code delay}: a slow Strapi, within its readers' timeout. */
        public static Fault slow(java.time.Duration delay) {
            return new Fault(0, "", null, 0, 0, delay.toMillis());
        }
    }

    private final HttpServer server;
    private final URI target;
    private final HttpClient http = HttpClient.newHttpClient();
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger mostInFlight = new AtomicInteger();
    private volatile long latencyMillis;
    private volatile FaultPlan plan = (n, path) -> null;

    private StrapiFaultProxy(HttpServer server, URI target) {
        this.server = server;
        this.target = target;
    }

    public static StrapiFaultProxy start(URI target) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        StrapiFaultProxy proxy = new StrapiFaultProxy(server, target);
        server.createContext("/", proxy::handle);
        server.setExecutor(Executors.newCachedThreadPool(runnable -> {
            Thread thread = new Thread(runnable, "strapi-fault-proxy");
            thread.setDaemon(true);
            return thread;
        }));
        server.start();
        return proxy;
    }

    public URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    public StrapiFaultProxy latency(long millis) {
        this.latencyMillis = millis;
        return this;
    }

    public StrapiFaultProxy plan(FaultPlan plan) {
        this.plan = plan;
        return this;
    }

    public int requests() {
        return requests.get();
    }

    /** The most requests in flight at once (read since the start or the last {@link #resetMostInFlight}). */
    public int mostInFlight() {
        return mostInFlight.get();
    }

    public void resetMostInFlight() {
        mostInFlight.set(inFlight.get());
    }

    public void reset() {
        requests.set(0);
        latencyMillis = 0;
        plan = (n, path) -> null;
    }

    private void handle(HttpExchange exchange) throws IOException {
        mostInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
        try {
            forward(exchange);
        } finally {
            inFlight.decrementAndGet();
        }
    }

    private void forward(HttpExchange exchange) throws IOException {
        try (exchange) {
            int number = requests.incrementAndGet();
            String pathAndQuery = exchange.getRequestURI().getRawPath()
                    + (exchange.getRequestURI().getRawQuery() == null ? "" : "?" + exchange.getRequestURI().getRawQuery());
            if (latencyMillis > 0) {
                Thread.sleep(latencyMillis);
            }
            Fault fault = plan.faultFor(number, pathAndQuery);
            if (fault != null && fault.delayMillis() > 0) {
                Thread.sleep(fault.delayMillis());
                fault = null;
            }
            if (fault != null && fault.stallMillis() > 0) {
                exchange.sendResponseHeaders(200, 0);
                exchange.getResponseBody().write(fault.body().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                exchange.getResponseBody().flush();
                Thread.sleep(fault.stallMillis());
                return;
            }
            if (fault != null && fault.hugeBytes() > 0) {
                // One page holding more text than the reader's memory, in responses of 8 MB of text each, in
                // texts of 512 KB (each within what the export reads of one response: it holds them all):
                // {"data":[{"id":1,"answers":{"0":"aaaa…","1":"aaaa…",…}},…]}
                int perText = 512 << 10;
                int textsPerResponse = 16;
                long responses = Math.max(1, fault.hugeBytes() / ((long) perText * textsPerResponse));
                byte[] letters = new byte[perText];
                java.util.Arrays.fill(letters, (byte) 'a');
                exchange.sendResponseHeaders(200, 0);
                var out = exchange.getResponseBody();
                out.write("{\"data\":[".getBytes(java.nio.charset.StandardCharsets.UTF_8));
                for (long i = 1; i <= responses; i++) {
                    out.write(("{\"id\":" + i + ",\"answers\":{").getBytes(java.nio.charset.StandardCharsets.UTF_8));
                    for (int t = 0; t < textsPerResponse; t++) {
                        out.write(((t == 0 ? "" : ",") + "\"" + t + "\":\"").getBytes(java.nio.charset.StandardCharsets.UTF_8));
                        out.write(letters);
                        out.write('"');
                    }
                    out.write((i < responses ? "}}," : "}}").getBytes(java.nio.charset.StandardCharsets.UTF_8));
                }
                out.write("],\"meta\":{}}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
                return;
            }
            if (fault != null) {
                if (fault.retryAfter() != null) {
                    exchange.getResponseHeaders().set("Retry-After", fault.retryAfter());
                }
                reply(exchange, fault.status(), fault.body().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                return;
            }
            HttpRequest.Builder forward = HttpRequest.newBuilder(URI.create(target + pathAndQuery))
                    .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(exchange.getRequestBody().readAllBytes()));
            for (String header : new String[] {"Authorization", "Content-Type", "Accept"}) {
                String value = exchange.getRequestHeaders().getFirst(header);
                if (value != null) {
                    forward.header(header, value);
                }
            }
            HttpResponse<byte[]> answer = http.send(forward.build(), HttpResponse.BodyHandlers.ofByteArray());
            answer.headers().firstValue("Content-Type").ifPresent(type -> exchange.getResponseHeaders().set("Content-Type", type));
            reply(exchange, answer.statusCode(), answer.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void reply(HttpExchange exchange, int status, byte[] body) throws IOException {
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        exchange.getResponseBody().write(body);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
