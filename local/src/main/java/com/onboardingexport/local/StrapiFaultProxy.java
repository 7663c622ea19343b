package com.onboardingexport.local;

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

    /** A status to answer instead of Strapi (with an optional Retry-After), or a garbled body. */
    public record Fault(int status, String body, String retryAfter) {
        public static Fault status(int status) {
            return new Fault(status, "{\"data\":null,\"error\":{\"status\":" + status + ",\"name\":\"InjectedFault\",\"message\":\"injected\"}}", null);
        }

        public static Fault notJson() {
            return new Fault(200, "<html>Bad gateway</html>", null);
        }
    }

    private final HttpServer server;
    private final URI target;
    private final HttpClient http = HttpClient.newHttpClient();
    private final AtomicInteger requests = new AtomicInteger();
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

    public void reset() {
        requests.set(0);
        latencyMillis = 0;
        plan = (n, path) -> null;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            int number = requests.incrementAndGet();
            String pathAndQuery = exchange.getRequestURI().getRawPath()
                    + (exchange.getRequestURI().getRawQuery() == null ? "" : "?" + exchange.getRequestURI().getRawQuery());
            if (latencyMillis > 0) {
                Thread.sleep(latencyMillis);
            }
            Fault fault = plan.faultFor(number, pathAndQuery);
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
