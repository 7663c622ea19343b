package com.onboardingexport.shared;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Reads Strapi's REST API with the server's API token (never a caller's JWT).
 * Transient failures (429, 502, 503, 504, connection errors, timeouts) are retried with
 * exponential backoff and full jitter, honouring Retry-After, within the caller's deadline;
 * an attempt's timeout covers its body too: the JDK client's own ends at the headers, so a body
 * that stalls is closed when the attempt's time is up, and that is a timeout like any other;
 * what remains becomes UPSTREAM_ERROR (502) or UPSTREAM_TIMEOUT (504). A 401 re-reads the API
 * token once and retries at once: the token was rotated since it was cached.
 */
public final class StrapiClient {
    private static final Duration BASE_BACKOFF = Duration.ofMillis(200);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

    private final URI baseUrl;
    private final ApiTokenSource apiToken;
    private final HttpClient http;
    private final Duration requestTimeout;
    private final int maxAttempts;

    public StrapiClient(URI baseUrl, ApiTokenSource apiToken, HttpClient http, Duration requestTimeout, int maxAttempts) {
        this.baseUrl = baseUrl;
        this.apiToken = apiToken;
        this.http = http;
        this.requestTimeout = requestTimeout;
        this.maxAttempts = maxAttempts;
    }

    /** The JDK's own HTTP client: no extra jar, HTTP/1.1 keep-alive, a connect timeout. */
    public static HttpClient defaultHttpClient(Duration connectTimeout) {
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /**
     * Reads a 2xx body. Called once per attempt, so it hands nothing on before it returns: what it
     * returns is the page. A failure it throws after the attempt's time is up counts as a timeout.
     */
    @FunctionalInterface
    public interface BodyReader<T> {
        T read(InputStream body, String path) throws IOException;
    }

    /** GET {@code /api/<path>?<query>}, parsed whole as a JSON object, retried as the class comment says. */
    public JsonNode get(String path, StrapiQuery query, Deadline deadline) {
        return get(path, query, deadline, StrapiClient::parse);
    }

    /** GET {@code /api/<path>?<query>}, its body read by {@code reader}, retried as the class comment says. */
    public <T> T get(String path, StrapiQuery query, Deadline deadline, BodyReader<T> reader) {
        URI uri = URI.create(stripTrailingSlash(baseUrl.toString()) + "/api/" + path
                + (query == null || query.toString().isEmpty() ? "" : "?" + query));
        String failure = "no attempt"; // for the caller: no class names, no hosts
        String detail = failure;       // for the log
        boolean tokenRefreshed = false;
        for (int attempt = 1; attempt <= maxAttempts; attempt++) {
            Duration left = deadline.remaining();
            if (left.isZero()) {
                break;
            }
            Duration timeout = left.compareTo(requestTimeout) < 0 ? left : requestTimeout;
            long attemptStarted = System.nanoTime();
            HttpRequest request = HttpRequest.newBuilder(uri)
                    .timeout(timeout)
                    .header("Authorization", "Bearer " + apiToken.token())
                    .header("Accept", "application/json")
                    .GET()
                    .build();
            Duration wait;
            // One span per HTTP request (retries are spans of their own): the path, never the query's values or the token.
            try (Traces.Span span = Traces.open("Strapi").annotate("path", path).annotate("attempt", attempt)) {
                // Parsed from the stream on this thread: no second copy of the page in memory, and
                // whatever reading it costs (memory included) is this caller's to handle.
                HttpResponse<InputStream> response;
                try {
                    response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
                } catch (IOException e) {
                    span.fail(e);
                    throw e;
                }
                int status = response.statusCode();
                span.annotate("http_status", status);
                if (status < 200 || status >= 300) {
                    response.body().close();
                }
                if (status == 204) {
                    // Strapi's findOne of a missing entry (e.g. /api/users/:id) answers 204 with no body.
                    throw new StrapiException(404, "Strapi has no such entry");
                }
                if (status >= 200 && status < 300) {
                    return readWithin(response.body(), timeout.minusNanos(System.nanoTime() - attemptStarted), reader, path);
                }
                if (status == 401 && !tokenRefreshed) {
                    tokenRefreshed = true;
                    JsonLog.warn("strapi refused the API token; reading it again", "path", path);
                    apiToken.refresh();
                    attempt--; // not a failure of Strapi's: this retry is free
                    continue;
                }
                if (!isTransient(status)) {
                    // The caller's message names no collection or path; the log does.
                    JsonLog.warn("strapi request refused", "path", path, "http_status", status);
                    throw new StrapiException(status, "Strapi refused the request (HTTP " + status + ")");
                }
                failure = "HTTP " + status;
                detail = failure;
                wait = retryAfter(response).orElse(backoff(attempt));
            } catch (HttpTimeoutException e) {
                failure = "timeout after " + timeout.toMillis() + " ms";
                detail = failure;
                wait = backoff(attempt);
            } catch (IOException e) {
                failure = "connection failed";
                detail = e.getClass().getName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
                wait = backoff(attempt);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ApiException(ErrorCode.INTERNAL, "Interrupted while reading Strapi", e);
            }
            JsonLog.warn("strapi request failed", "path", path, "attempt", attempt, "failure", detail);
            if (attempt == maxAttempts) {
                break;
            }
            if (wait.compareTo(deadline.remaining()) >= 0) {
                failure += "; no time left to retry";
                break;
            }
            sleep(wait);
        }
        if (failure.startsWith("timeout") || deadline.expired()) {
            throw new ApiException(ErrorCode.UPSTREAM_TIMEOUT,
                    "Strapi did not answer in the time left (" + failure + ")");
        }
        throw new ApiException(ErrorCode.UPSTREAM_ERROR, "Strapi is unavailable (" + failure + ")");
    }

    /**
     * Reads the body within the attempt's time left: when it is up, the body is closed under the
     * reader, and whatever the reader then throws becomes an {@link HttpTimeoutException}.
     */
    private static <T> T readWithin(InputStream body, Duration left, BodyReader<T> reader, String path) throws IOException {
        AtomicBoolean expired = new AtomicBoolean();
        CompletableFuture<Void> watchdog = CompletableFuture.runAsync(() -> {
            expired.set(true);
            try {
                body.close(); // wakes a read blocked on the stalled body
            } catch (IOException e) {
                // closing is all we want of it
            }
        }, CompletableFuture.delayedExecutor(Math.max(1, left.toMillis()), TimeUnit.MILLISECONDS));
        try (body) {
            return reader.read(body, path);
        } catch (IOException | RuntimeException e) {
            if (expired.get()) {
                throw new HttpTimeoutException("the body did not arrive in time");
            }
            throw e;
        } finally {
            watchdog.cancel(false);
        }
    }

    /** A page; a connection that fails while the body is read is an IOException, retried like any other. */
    private static JsonNode parse(InputStream body, String path) throws IOException {
        try {
            JsonNode json = Json.MAPPER.readTree(body);
            if (json != null && json.isObject()) {
                return json;
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            JsonLog.warn("strapi answered something that is not JSON", "path", path);
            throw new ApiException(ErrorCode.UPSTREAM_ERROR, "Strapi answered something that is not JSON", e);
        }
        JsonLog.warn("strapi answered something that is not a JSON object", "path", path);
        throw new ApiException(ErrorCode.UPSTREAM_ERROR, "Strapi answered something that is not JSON");
    }

    private static boolean isTransient(int status) {
        return status == 429 || status == 502 || status == 503 || status == 504;
    }

    private static Optional<Duration> retryAfter(HttpResponse<?> response) {
        return response.headers().firstValue("Retry-After").flatMap(value -> {
            try {
                return Optional.of(Duration.ofSeconds(Long.parseLong(value.trim())));
            } catch (NumberFormatException e) {
                return Optional.empty(); // an HTTP date: fall back to our own backoff
            }
        });
    }

    private static Duration backoff(int attempt) {
        long cap = Math.min(MAX_BACKOFF.toMillis(), BASE_BACKOFF.toMillis() << Math.min(attempt - 1, 10));
        return Duration.ofMillis(ThreadLocalRandom.current().nextLong(cap / 2, cap + 1));
    }

    private static void sleep(Duration wait) {
        try {
            Thread.sleep(wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(ErrorCode.INTERNAL, "Interrupted while waiting to retry Strapi", e);
        }
    }

    private static String stripTrailingSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
