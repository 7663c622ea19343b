package com.onboardingexport.it.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.onboardingexport.local.faults.StrapiFaultProxy;
import com.onboardingexport.local.gateway.LocalApi;
import com.onboardingexport.local.run.LocalRun;
import com.onboardingexport.local.template.ProjectRoot;
import com.onboardingexport.shared.Json;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Fair share through the local run, with the template's own limits set as a deploy would set them:
 * synchronous exports take the users' places, one client's accounts share its limit, a synchronous
 * export too large for the API function is refused, the stage throttles a method past its burst, a
 * function refuses invocations past its reserved concurrency, and schedules run in capacity the
 * users cannot take. Strapi sits behind a proxy that makes the client users' reads slow (1 s each,
 * in pages of 10), so their exports are still running when the next request comes; the reads of a
 * schedule of every client stay fast.
 */
class FairShareIT {
    private static final Path TEMPLATE = ProjectRoot.find().resolve("template.yaml");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final String SCHEDULED = "onboarding-export-local-scheduled";
    private static final String SYNC = "{\"date_range\":\"all_time\",\"mode\":\"sync\"}";
    private static final String ASYNC = "{\"date_range\":\"all_time\",\"mode\":\"async\"}";
    private static LocalRun run;
    private static StrapiFaultProxy proxy;
    private static LocalApi api;
    private static String clientA;
    private static String clientA2;
    private static String admin;
    /** The reads the proxy has slowed down so far. */
    private static final AtomicInteger SLOW_READS = new AtomicInteger();

    @BeforeAll
    static void start() throws Exception {
        run = LocalRun.start(TEMPLATE, 0, 0, System.out::println);
        proxy = StrapiFaultProxy.start(run.strapi().url()).plan((n, path) -> {
            String decoded = URLDecoder.decode(path, StandardCharsets.UTF_8);
            if (!decoded.startsWith("/api/campaign") || !decoded.contains("[client]")) {
                return null;
            }
            SLOW_READS.incrementAndGet();
            return StrapiFaultProxy.Fault.slow(Duration.ofSeconds(1));
        });
        // Above one client's rows, below everyone's: an admin's all_time export is "too large" for sync.
        long clientARows = rows("&filters[campaign][client][name][$eq]=Acme Corp");
        assertTrue(rows("") > clientARows, "other clients have rows too");
        api = LocalApi.start(run.apiConfig(TEMPLATE, 0, System.out::println,
                Map.of("STRAPI_URL", proxy.url().toString(), "ASYNC_ROW_THRESHOLD", Long.toString(clientARows), "STRAPI_PAGE_SIZE", "10"),
                Map.of("MaxRunningExportsPerUser", "2", "MaxRunningExportsPerClient", "3", "WorkerConcurrency", "1",
                        "ScheduledExportConcurrency", "1", "PreflightRateLimit", "1", "PreflightBurstLimit", "2")));
        clientA = run.login(LocalRun.CLIENT_A);
        clientA2 = run.login("client-a2@onboarding.test");
        admin = run.login(LocalRun.ADMIN);
    }

    @AfterAll
    static void stop() {
        if (api != null) {
            api.close();
        }
        if (proxy != null) {
            proxy.close();
        }
        if (run != null) {
            run.close();
        }
    }

    /** The responses Strapi holds under these filters (its own count, with the API token). */
    private static long rows(String filters) throws Exception {
        String query = ("pagination[pageSize]=1" + filters).replace("[", "%5B").replace("]", "%5D").replace(" ", "%20").replace("$", "%24");
        HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(run.strapi().url().resolve("/api/campaign-onboarding-responses?" + query))
                .header("Authorization", "Bearer " + run.strapi().apiToken()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, answer.statusCode(), answer.body());
        return Json.MAPPER.readTree(answer.body()).path("meta").path("pagination").path("total").asLong();
    }

    private static HttpResponse<String> post(String jwt, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(api.url().resolve("/exports/onboarding"))
                .header("Authorization", "Bearer " + jwt).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode status(String jwt, String exportId) throws Exception {
        HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(api.url().resolve("/exports/onboarding/" + exportId))
                .header("Authorization", "Bearer " + jwt).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, answer.statusCode(), answer.body());
        return Json.MAPPER.readTree(answer.body());
    }

    /** A scheduled run's status, once it has started (its export id is the invocation's request id: 404 until then). */
    private static JsonNode awaitStarted(String jwt, String exportId) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        HttpResponse<String> answer;
        do {
            Thread.sleep(200);
            answer = HTTP.send(HttpRequest.newBuilder(api.url().resolve("/exports/onboarding/" + exportId))
                    .header("Authorization", "Bearer " + jwt).build(), HttpResponse.BodyHandlers.ofString());
        } while (answer.statusCode() == 404 && System.nanoTime() < deadline);
        assertEquals(200, answer.statusCode(), "the scheduled run started within a minute: " + answer.body());
        return Json.MAPPER.readTree(answer.body());
    }

    private static JsonNode awaitFinished(String jwt, String exportId) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        JsonNode status = status(jwt, exportId);
        while ("running".equals(status.path("status").asText()) && System.nanoTime() < deadline) {
            Thread.sleep(300);
            status = status(jwt, exportId);
        }
        return status;
    }

    /** The requests sent at one moment, each by its user (a JWT) with its body; the answers in the same order. */
    private static List<HttpResponse<String>> together(List<String[]> requests) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(requests.size());
        CyclicBarrier barrier = new CyclicBarrier(requests.size());
        try {
            List<Future<HttpResponse<String>>> futures = new ArrayList<>();
            for (String[] request : requests) {
                futures.add(pool.submit(() -> {
                    barrier.await();
                    return post(request[0], request[1]);
                }));
            }
            List<HttpResponse<String>> answers = new ArrayList<>();
            for (Future<HttpResponse<String>> future : futures) {
                answers.add(future.get(2, TimeUnit.MINUTES));
            }
            return answers;
        } finally {
            pool.shutdownNow();
        }
    }

    private static Map<Integer, Integer> statuses(List<HttpResponse<String>> answers) {
        Map<Integer, Integer> counts = new TreeMap<>();
        answers.forEach(answer -> counts.merge(answer.statusCode(), 1, Integer::sum));
        return counts;
    }

    private static HttpResponse<String> refused(List<HttpResponse<String>> answers) throws Exception {
        HttpResponse<String> refused = answers.stream().filter(a -> a.statusCode() == 429).findFirst().orElseThrow();
        JsonNode error = Json.MAPPER.readTree(refused.body()).path("error");
        assertEquals("TOO_MANY_EXPORTS", error.path("code").asText(), refused.body());
        assertEquals("30", refused.headers().firstValue("Retry-After").orElse(null), "Retry-After of " + refused.body());
        return refused;
    }

    @Test
    @DisplayName("three synchronous exports of one user at once (2 places): two files, one 429 TOO_MANY_EXPORTS with Retry-After")
    void thirdSimultaneousSyncExport() throws Exception {
        List<HttpResponse<String>> answers = together(List.of(new String[] {clientA, SYNC}, new String[] {clientA, SYNC},
                new String[] {clientA, SYNC}));
        assertEquals(Map.of(200, 2, 429, 1), statuses(answers), answers.stream().map(HttpResponse::body).toList().toString());
        String message = Json.MAPPER.readTree(refused(answers).body()).path("error").path("message").asText();
        assertTrue(message.contains("You have 2 exports running"), message);
        // The places are given back with the answers: the same user exports again at once.
        assertEquals(200, post(clientA, SYNC).statusCode());
    }

    @Test
    @DisplayName("two accounts of one client (2 places each, 3 for the client) send four synchronous exports at once: three files, one 429 naming the organisation's limit")
    void twoAccountsOfOneClientShareItsLimit() throws Exception {
        List<HttpResponse<String>> answers = together(List.of(new String[] {clientA, SYNC}, new String[] {clientA, SYNC},
                new String[] {clientA2, SYNC}, new String[] {clientA2, SYNC}));
        assertEquals(Map.of(200, 3, 429, 1), statuses(answers), answers.stream().map(HttpResponse::body).toList().toString());
        String message = Json.MAPPER.readTree(refused(answers).body()).path("error").path("message").asText();
        assertTrue(message.contains("Your organisation's users have 3 exports running"), message);
    }

    @Test
    @DisplayName("mode sync above ASYNC_ROW_THRESHOLD: 400 INVALID_REQUEST that says to send mode async; the same export in auto goes to the worker (202)")
    void syncAboveTheThreshold() throws Exception {
        HttpResponse<String> refused = post(admin, SYNC);
        assertEquals(400, refused.statusCode(), refused.body());
        JsonNode error = Json.MAPPER.readTree(refused.body()).path("error");
        assertEquals("INVALID_REQUEST", error.path("code").asText());
        assertTrue(error.path("message").asText().contains("\"mode\": \"async\""), error.toString());
        HttpResponse<String> accepted = post(admin, "{\"date_range\":\"all_time\"}");
        assertEquals(202, accepted.statusCode(), accepted.body());
        String exportId = Json.MAPPER.readTree(accepted.body()).path("export_id").asText();
        assertEquals("succeeded", awaitFinished(admin, exportId).path("status").asText());
    }

    @Test
    @DisplayName("preflights past their burst (PreflightBurstLimit 2, 1/s): the template's THROTTLED gateway response, 429 with its JSON body")
    void stageThrottlesAMethodPastItsBurst() throws Exception {
        List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            answers.add(HTTP.sendAsync(HttpRequest.newBuilder(api.url().resolve("/exports/onboarding"))
                    .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).header("Origin", "http://localhost:5173")
                    .header("Access-Control-Request-Method", "POST").build(), HttpResponse.BodyHandlers.ofString()));
        }
        List<HttpResponse<String>> done = new ArrayList<>();
        for (CompletableFuture<HttpResponse<String>> answer : answers) {
            done.add(answer.get(1, TimeUnit.MINUTES));
        }
        List<HttpResponse<String>> throttled = done.stream().filter(a -> a.statusCode() == 429).toList();
        assertFalse(throttled.isEmpty(), statuses(done).toString());
        assertTrue(done.stream().anyMatch(a -> a.statusCode() == 204), statuses(done).toString());
        JsonNode error = Json.MAPPER.readTree(throttled.get(0).body()).path("error");
        assertEquals(429, error.path("status").asInt());
        assertEquals("THROTTLED", error.path("code").asText(), throttled.get(0).body());
        assertFalse(error.path("request_id").asText().isEmpty());
        // The exports' own bucket is another: a POST still goes through.
        assertEquals(200, post(clientA, "{\"date_range\":\"all_time\",\"mode\":\"sync\",\"file_format\":\"json\"}").statusCode());
    }

    @Test
    @DisplayName("AWS WAF's rate rule per token (WafEnabled, WafRequestsPerToken 10): the 11th request of one token in 5 min is a 429 THROTTLED with Retry-After; another token goes on")
    void wafBlocksOneTokenAlone() throws Exception {
        try (LocalApi waf = LocalApi.start(run.apiConfig(TEMPLATE, 0, System.out::println, Map.of(),
                Map.of("WafEnabled", "true", "WafRequestsPerToken", "10")))) {
            List<Integer> statuses = new ArrayList<>();
            HttpResponse<String> last = null;
            for (int i = 0; i < 11; i++) {
                last = HTTP.send(HttpRequest.newBuilder(waf.url().resolve("/exports/onboarding/" + java.util.UUID.randomUUID()))
                        .header("Authorization", "Bearer " + admin).build(), HttpResponse.BodyHandlers.ofString());
                statuses.add(last.statusCode());
            }
            assertEquals(List.of(404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 429), statuses);
            JsonNode error = Json.MAPPER.readTree(last.body()).path("error");
            assertEquals("THROTTLED", error.path("code").asText(), last.body());
            assertEquals("60", last.headers().firstValue("Retry-After").orElse(null));
            HttpResponse<String> other = HTTP.send(HttpRequest.newBuilder(waf.url().resolve("/exports/onboarding/" + java.util.UUID.randomUUID()))
                    .header("Authorization", "Bearer " + clientA).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(404, other.statusCode(), other.body());
        }
    }

    private static HttpResponse<String> invoke(String function, String type, String payload) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(api.lambdaEndpoint().resolve("/2015-03-31/functions/" + function + ":live/invocations"))
                .header("X-Amz-Invocation-Type", type).POST(HttpRequest.BodyPublishers.ofString(payload)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    @DisplayName("users hold the worker's only slot (WorkerConcurrency 1, one export running, one queued): a schedule fired now runs and succeeds in its own function")
    void scheduleRunsWhileUsersHoldEveryWorkerSlot() throws Exception {
        String running = Json.MAPPER.readTree(post(clientA, ASYNC).body()).path("export_id").asText();
        HttpResponse<String> queued = post(clientA2, ASYNC);
        assertEquals(202, queued.statusCode(), queued.body());
        String waiting = Json.MAPPER.readTree(queued.body()).path("export_id").asText();

        String tick = "{\"schedule_name\":\"fair-share\",\"scheduled_time\":\"" + java.time.Instant.now()
                + "\",\"date_range\":\"all_time\",\"file_format\":\"csv\"}";
        HttpResponse<String> fired = invoke(SCHEDULED, "Event", tick);
        assertEquals(202, fired.statusCode(), fired.body());
        String scheduled = com.onboardingexport.export.model.ScheduledTick.of(Json.MAPPER.readTree(tick)).exportId();
        awaitStarted(admin, scheduled);
        JsonNode done = awaitFinished(admin, scheduled);
        assertEquals("succeeded", done.path("status").asText(), done.toString());
        assertEquals("fair-share", done.path("schedule_name").asText());
        assertEquals("running", status(clientA2, waiting).path("status").asText(), "the users' second export still waits for the worker");

        assertEquals("succeeded", awaitFinished(clientA, running).path("status").asText());
        assertEquals("succeeded", awaitFinished(clientA2, waiting).path("status").asText());
    }

    @Test
    @DisplayName("a synchronous invocation past a function's reserved concurrency (ScheduledExportConcurrency 1) is refused: 429 TooManyRequestsException")
    void invocationPastReservedConcurrencyIsRefused() throws Exception {
        // A client's schedule reads slowly (the proxy): the first invocation holds the only slot.
        String slow = "{\"schedule_name\":\"fair-share-slow\",\"scheduled_time\":\"" + java.time.Instant.now() + "\",\"client_id\":\""
                + clientId() + "\",\"date_range\":\"all_time\",\"file_format\":\"csv\"}";
        CompletableFuture<HttpResponse<String>> first = CompletableFuture.supplyAsync(() -> {
            try {
                return invoke(SCHEDULED, "RequestResponse", slow);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        int before = SLOW_READS.get();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (SLOW_READS.get() == before && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertFalse(first.isDone(), "the first invocation is reading Strapi");
        HttpResponse<String> refused = invoke(SCHEDULED, "RequestResponse", slow);
        assertEquals(429, refused.statusCode(), refused.body());
        assertEquals("TooManyRequestsException", refused.headers().firstValue("x-amzn-ErrorType").orElse(null));
        assertEquals("ReservedFunctionConcurrentInvocationLimitExceeded", Json.MAPPER.readTree(refused.body()).path("Reason").asText());
        HttpResponse<String> ran = first.get(2, TimeUnit.MINUTES);
        assertEquals(200, ran.statusCode(), ran.body());
        assertEquals("succeeded", Json.MAPPER.readTree(ran.body()).path("status").asText(), ran.body());
    }

    /** Client A's Strapi documentId. */
    private static String clientId() throws Exception {
        HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(run.strapi().url().resolve(
                        "/api/clients?filters%5Bname%5D%5B%24eq%5D=Acme%20Corp"))
                .header("Authorization", "Bearer " + run.strapi().apiToken()).build(), HttpResponse.BodyHandlers.ofString());
        return Json.MAPPER.readTree(answer.body()).path("data").path(0).path("documentId").asText();
    }
}
