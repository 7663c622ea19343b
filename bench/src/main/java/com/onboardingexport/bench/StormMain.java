package com.onboardingexport.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.onboardingexport.local.faults.StrapiFaultProxy;
import com.onboardingexport.local.gateway.LocalApi;
import com.onboardingexport.local.run.LocalRun;
import com.onboardingexport.local.template.ProjectRoot;
import com.onboardingexport.shared.Json;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The storm benchmark of issue 23, against the local run (the template's functions, throttling and
 * reserved concurrency as the local API applies them; Strapi behind a proxy that counts requests in
 * flight). Each phase lasts {@code bench.storm.seconds}: <b>quiet</b>, five well-behaved users
 * (client users of clients B and C, a second user of B, an admin, a second account of client A), each
 * asking a one-day CSV synchronously, then a one-day background export it polls to its end, every few
 * seconds, and a schedule fired every 30 s; <b>storm</b>, the same plus client A's first user looping
 * synchronous {@code all_time} exports in three loops as fast as answers come (ignoring Retry-After),
 * and an anonymous caller sending preflights and bad tokens in two loops as fast as it can. Each caller
 * has an address of its own (127.0.0.x), so the template's AWS WAF rate rules, which the local API
 * applies with {@code WafEnabled=true}, count them apart. It writes its section of bench/RESULTS.md.
 * Started by {@code BENCH_PROFILE=storm bench/run.sh}.
 */
public final class StormMain {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final String ONE_DAY = "2026-03-02/2026-03-02";
    /** The schedule's input with the Scheduler's scheduled_time filled in by {@link #tick}. */
    private static final String SCHEDULE_INPUT = "{\"schedule_name\":\"storm\",\"campaign_ids\":[],\"date_range\":\"2026-03-01/2026-03-07\","
            + "\"file_format\":\"csv\",\"scheduled_time\":\"%s\"}";
    private static final String FORGED = "Bearer eyJhbGciOiJIUzI1NiJ9.eyJpZCI6MSwiZXhwIjo5OTk5OTk5OTk5fQ.Zm9yZ2VkLXNpZ25hdHVyZS1mb3ItdGhlLXN0b3Jt";
    private static final List<String> WELL_BEHAVED = List.of("client-b@onboarding.test", "client-b2@onboarding.test",
            "client-c@onboarding.test", LocalRun.ADMIN, "client-a2@onboarding.test");

    private final int seconds = Integer.getInteger("bench.storm.seconds", 120);
    private final int seed = Integer.getInteger("bench.storm.seed", 20_000);
    private final Path out = Path.of(System.getProperty("bench.out", "bench/RESULTS.md"));
    private final String command = System.getProperty("bench.command", "BENCH_PROFILE=storm bench/run.sh");
    private LocalRun run;
    private StrapiFaultProxy proxy;
    private LocalApi api;
    private String adminJwt;
    /** One login per user (Strapi limits logins per address): the tokens of WELL_BEHAVED, then the abuser's. */
    private final Map<String, String> tokens = new java.util.HashMap<>();

    /** What one phase saw. */
    private static final class Phase {
        final String name;
        final List<Long> syncMillis = new CopyOnWriteArrayList<>();
        final Map<String, AtomicInteger> wellBehaved = new ConcurrentHashMap<>();
        final Map<String, AtomicInteger> abuser = new ConcurrentHashMap<>();
        final Map<String, AtomicInteger> anonymous = new ConcurrentHashMap<>();
        final AtomicInteger wellBehavedRequests = new AtomicInteger();
        final AtomicInteger wellBehavedOk = new AtomicInteger();
        final AtomicInteger abuserRetryAfter = new AtomicInteger();
        final List<String> schedules = new CopyOnWriteArrayList<>();
        final AtomicInteger schedulesOk = new AtomicInteger();
        final List<Long> scheduleDelays = new CopyOnWriteArrayList<>();
        int strapiMostInFlight;

        Phase(String name) {
            this.name = name;
        }

        static void count(Map<String, AtomicInteger> counts, String key) {
            counts.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
        }
    }

    public static void main(String[] args) throws Exception {
        StormMain storm = new StormMain();
        try {
            storm.start();
            Phase quiet = storm.phase("quiet", false);
            Phase stormy = storm.phase("storm", true);
            storm.write(quiet, stormy);
        } finally {
            storm.close();
        }
        System.exit(0);
    }

    private void start() throws Exception {
        Path template = ProjectRoot.find().resolve("template.yaml");
        PrintStream log = new PrintStream(Files.newOutputStream(Path.of("bench/target/storm-local.log")), true, StandardCharsets.UTF_8);
        run = LocalRun.start(template, 0, 0, Map.of("SEED_RESPONSES", Integer.toString(seed)), log::println);
        proxy = StrapiFaultProxy.start(run.strapi().url());
        // The template's defaults, every function reading Strapi through the counting proxy.
        api = LocalApi.start(run.apiConfig(template, 0, log::println, Map.of("STRAPI_URL", proxy.url().toString()),
                Map.of("WafEnabled", "true")));
        for (String user : WELL_BEHAVED) {
            tokens.put(user, run.login(user));
        }
        tokens.put(LocalRun.CLIENT_A, run.login(LocalRun.CLIENT_A));
        adminJwt = tokens.get(LocalRun.ADMIN);
        System.out.println("[storm] local API " + api.url() + ", " + seconds + " s per phase, seed " + seed);
        warmUp();
    }

    /**
     * Not measured: a cold start of every environment the phases use (four of the export function at
     * once, the worker, the scheduled-export function), as a service that has been running has them.
     */
    private void warmUp() throws Exception {
        Phase ignored = new Phase("warm-up");
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < WELL_BEHAVED.size(); i++) {
            String jwt = tokens.get(WELL_BEHAVED.get(i));
            HttpClient client = client("127.0.0." + (11 + i));
            Thread thread = new Thread(() -> {
                try {
                    wellBehaved(ignored, client, jwt, System.nanoTime());
                } catch (Exception e) {
                    System.out.println("[storm] warm-up: " + e);
                }
            });
            thread.start();
            threads.add(thread);
        }
        HTTP.send(HttpRequest.newBuilder(api.lambdaEndpoint().resolve("/2015-03-31/functions/onboarding-export-local-scheduled:live/invocations"))
                .POST(HttpRequest.BodyPublishers.ofString(tick())).build(), HttpResponse.BodyHandlers.ofString());
        for (Thread thread : threads) {
            thread.join();
        }
        System.out.println("[storm] warm-up: " + ignored.wellBehavedOk + "/" + ignored.wellBehavedRequests + " ok");
    }

    /** A caller at an address of its own (any 127.0.0.0/8 address is this machine). */
    private static HttpClient client(String address) throws IOException {
        return HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).localAddress(InetAddress.getByName(address)).build();
    }

    private Phase phase(String name, boolean stormy) throws Exception {
        Phase phase = new Phase(name);
        proxy.resetMostInFlight();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        ExecutorService pool = Executors.newCachedThreadPool();
        List<java.util.concurrent.Future<?>> loops = new ArrayList<>();
        for (int i = 0; i < WELL_BEHAVED.size(); i++) {
            String jwt = tokens.get(WELL_BEHAVED.get(i));
            HttpClient client = client("127.0.0." + (11 + i));
            loops.add(pool.submit(() -> wellBehaved(phase, client, jwt, end)));
        }
        if (stormy) {
            String abuser = tokens.get(LocalRun.CLIENT_A);
            HttpClient abuserClient = client("127.0.0.2");
            for (int i = 0; i < 3; i++) {
                loops.add(pool.submit(() -> abuser(phase, abuserClient, abuser, end)));
            }
            HttpClient anonymousClient = client("127.0.0.66");
            for (int i = 0; i < 2; i++) {
                loops.add(pool.submit(() -> anonymous(phase, anonymousClient, end)));
            }
        }
        loops.add(pool.submit(() -> schedules(phase, end)));
        for (var loop : loops) {
            loop.get();
        }
        pool.shutdownNow();
        phase.strapiMostInFlight = proxy.mostInFlight();
        System.out.println("[storm] " + name + " done: " + phase.wellBehavedOk + "/" + phase.wellBehavedRequests + " well-behaved ok");
        return phase;
    }

    /** Until {@code end}, and at least once. */
    private Void wellBehaved(Phase phase, HttpClient client, String jwt, long end) throws Exception {
        do {
            long started = System.nanoTime();
            HttpResponse<String> sync = post(client, jwt, "{\"date_range\":\"" + ONE_DAY + "\",\"file_format\":\"csv\",\"mode\":\"sync\"}");
            phase.syncMillis.add((System.nanoTime() - started) / 1_000_000);
            record(phase, "sync", sync, sync.statusCode() == 200);
            HttpResponse<String> async = post(client, jwt, "{\"date_range\":\"" + ONE_DAY + "\",\"file_format\":\"csv\",\"mode\":\"async\"}");
            if (async.statusCode() != 202) {
                record(phase, "async", async, false);
            } else {
                String status = awaitFinished(client, jwt, Json.MAPPER.readTree(async.body()).path("export_id").asText());
                phase.wellBehavedRequests.incrementAndGet();
                Phase.count(phase.wellBehaved, "async " + status);
                if ("succeeded".equals(status)) {
                    phase.wellBehavedOk.incrementAndGet();
                }
            }
            Thread.sleep(3_000);
        } while (System.nanoTime() < end);
        return null;
    }

    private static void record(Phase phase, String what, HttpResponse<String> answer, boolean ok) {
        phase.wellBehavedRequests.incrementAndGet();
        if (ok) {
            phase.wellBehavedOk.incrementAndGet();
        }
        Phase.count(phase.wellBehaved, what + " " + answer.statusCode() + code(answer));
    }

    private static String code(HttpResponse<String> answer) {
        try {
            String code = Json.MAPPER.readTree(answer.body()).path("error").path("code").asText("");
            return code.isEmpty() ? "" : " " + code;
        } catch (IOException e) {
            return "";
        }
    }

    private Void abuser(Phase phase, HttpClient client, String jwt, long end) throws Exception {
        while (System.nanoTime() < end) {
            HttpResponse<String> answer = post(client, jwt, "{\"date_range\":\"all_time\",\"mode\":\"sync\"}");
            Phase.count(phase.abuser, answer.statusCode() + code(answer));
            if (answer.statusCode() == 429 && answer.headers().firstValue("Retry-After").isPresent()) {
                phase.abuserRetryAfter.incrementAndGet();
            }
        }
        return null;
    }

    private Void anonymous(Phase phase, HttpClient client, long end) throws Exception {
        boolean preflight = false;
        while (System.nanoTime() < end) {
            preflight = !preflight;
            HttpRequest.Builder request = HttpRequest.newBuilder(api.url().resolve("/exports/onboarding"));
            HttpResponse<String> answer = client.send(preflight
                    ? request.method("OPTIONS", HttpRequest.BodyPublishers.noBody()).header("Origin", "http://localhost:8080")
                            .header("Access-Control-Request-Method", "POST").build()
                    : request.header("Authorization", FORGED).POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            Phase.count(phase.anonymous, (preflight ? "OPTIONS " : "POST ") + answer.statusCode() + code(answer));
        }
        return null;
    }

    /** A tick every 30 s, fired as Scheduler fires it (an asynchronous invocation of the scheduled function's alias). */
    private Void schedules(Phase phase, long end) throws Exception {
        List<Thread> watchers = new ArrayList<>();
        while (System.nanoTime() < end) {
            long tick = System.nanoTime();
            String input = tick();
            HTTP.send(HttpRequest.newBuilder(api.lambdaEndpoint()
                            .resolve("/2015-03-31/functions/onboarding-export-local-scheduled:live/invocations"))
                    .header("X-Amz-Invocation-Type", "Event").POST(HttpRequest.BodyPublishers.ofString(input)).build(),
                    HttpResponse.BodyHandlers.ofString());
            String exportId = com.onboardingexport.export.model.ScheduledTick.of(Json.MAPPER.readTree(input)).exportId();
            Thread watcher = new Thread(() -> watchSchedule(phase, exportId, tick));
            watcher.start();
            watchers.add(watcher);
            long next = tick + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < Math.min(next, end)) {
                Thread.sleep(200);
            }
        }
        for (Thread watcher : watchers) {
            watcher.join(TimeUnit.MINUTES.toMillis(5));
        }
        return null;
    }

    /** One tick of the schedule now, as the Scheduler fills in its input. */
    private static String tick() {
        return SCHEDULE_INPUT.formatted(java.time.Instant.now());
    }

    /** The scheduled run's status appears when it starts (its export id is its tick's). */
    private void watchSchedule(Phase phase, String exportId, long tick) {
        try {
            Long startDelay = null;
            String status = "never started";
            long deadline = tick + TimeUnit.MINUTES.toNanos(5);
            while (System.nanoTime() < deadline) {
                HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(api.url().resolve("/exports/onboarding/" + exportId))
                        .header("Authorization", "Bearer " + adminJwt).build(), HttpResponse.BodyHandlers.ofString());
                if (answer.statusCode() == 200) {
                    if (startDelay == null) {
                        startDelay = (System.nanoTime() - tick) / 1_000_000;
                    }
                    status = Json.MAPPER.readTree(answer.body()).path("status").asText();
                    if (!"running".equals(status)) {
                        break;
                    }
                }
                Thread.sleep(1_000);
            }
            phase.schedules.add("tick +" + (startDelay == null ? "-" : startDelay + " ms") + " to start: " + status);
            if (startDelay != null) {
                phase.scheduleDelays.add(startDelay);
            }
            if ("succeeded".equals(status)) {
                phase.schedulesOk.incrementAndGet();
            }
        } catch (Exception e) {
            phase.schedules.add("watch failed: " + e);
        }
    }

    private HttpResponse<String> post(HttpClient client, String jwt, String body) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(api.url().resolve("/exports/onboarding"))
                .header("Authorization", "Bearer " + jwt).header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(60)).POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private String awaitFinished(HttpClient client, String jwt, String exportId) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (System.nanoTime() < deadline) {
            HttpResponse<String> answer = client.send(HttpRequest.newBuilder(api.url().resolve("/exports/onboarding/" + exportId))
                    .header("Authorization", "Bearer " + jwt).build(), HttpResponse.BodyHandlers.ofString());
            if (answer.statusCode() != 200) {
                return "status read " + answer.statusCode() + code(answer);
            }
            String status = Json.MAPPER.readTree(answer.body()).path("status").asText();
            if (!"running".equals(status)) {
                return status;
            }
            Thread.sleep(1_000);
        }
        return "still running after 5 min";
    }

    private static long percentile(List<Long> values, double p) {
        if (values.isEmpty()) {
            return 0;
        }
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(p * sorted.size()) - 1));
    }

    private static String counts(Map<String, AtomicInteger> counts) {
        StringBuilder text = new StringBuilder();
        new TreeMap<>(counts).forEach((key, n) -> text.append(text.isEmpty() ? "" : ", ").append(n.get()).append(" × ").append(key));
        return text.isEmpty() ? "none" : text.toString();
    }

    private void write(Phase quiet, Phase stormy) throws IOException {
        StringBuilder md = new StringBuilder();
        md.append("## Storm (issue 23): fair share under load\n\n");
        md.append("Written by `").append(command).append("` (`com.onboardingexport.bench.StormMain`) on ").append(Instant.now())
                .append(", against the local run with the template's defaults (stage 20/s burst 40 per method, preflights 10/s burst 20,")
                .append(" 2 places per user, 4 per client, 4 for the admins, `ASYNC_ROW_THRESHOLD` 50 000, AWS WAF's rate rules")
                .append(" (3 000 requests per IP, 1 200 per token in 5 min) applied by the local API, each caller at an address of its own); ")
                .append(seed).append(" extra responses seeded; each phase ").append(seconds).append(" s after an unmeasured warm-up.\n\n");
        md.append("| | quiet | storm |\n| --- | --- | --- |\n");
        row(md, "well-behaved requests ok / sent", quiet.wellBehavedOk + " / " + quiet.wellBehavedRequests,
                stormy.wellBehavedOk + " / " + stormy.wellBehavedRequests);
        row(md, "well-behaved success rate", rate(quiet), rate(stormy));
        row(md, "well-behaved one-day sync CSV, p50 / p95 ms", percentile(quiet.syncMillis, 0.5) + " / " + percentile(quiet.syncMillis, 0.95),
                percentile(stormy.syncMillis, 0.5) + " / " + percentile(stormy.syncMillis, 0.95));
        row(md, "well-behaved answers", counts(quiet.wellBehaved), counts(stormy.wellBehaved));
        row(md, "abuser (client A, 3 loops of sync all_time)", counts(quiet.abuser), counts(stormy.abuser)
                + "; " + stormy.abuserRetryAfter + " of the 429s with Retry-After");
        row(md, "anonymous (preflights, forged token)", counts(quiet.anonymous), counts(stormy.anonymous));
        row(md, "most concurrent Strapi requests", Integer.toString(quiet.strapiMostInFlight), Integer.toString(stormy.strapiMostInFlight));
        row(md, "scheduled runs succeeded / fired", quiet.schedulesOk + " / " + quiet.schedules.size(),
                stormy.schedulesOk + " / " + stormy.schedules.size());
        row(md, "scheduled runs, start delay after the tick (max ms)", max(quiet.scheduleDelays), max(stormy.scheduleDelays));
        md.append("\nEvery scheduled run: quiet: ").append(String.join("; ", quiet.schedules)).append(". Storm: ")
                .append(String.join("; ", stormy.schedules)).append(".\n\n");
        md.append("Targets: well-behaved users 100 % success in the storm (429 only where a limit of their own was reached): ")
                .append(stormy.wellBehavedOk.get() == stormy.wellBehavedRequests.get() ? "met" : "**missed**")
                .append("; their p95 within 2× of the quiet run's: ")
                .append(percentile(stormy.syncMillis, 0.95) <= 2 * Math.max(1, percentile(quiet.syncMillis, 0.95)) ? "met" : "**missed**")
                .append("; every scheduled run started within 60 s and succeeded: ")
                .append(stormy.schedulesOk.get() == stormy.schedules.size() && stormy.scheduleDelays.stream().allMatch(d -> d <= 60_000)
                        ? "met" : "**missed**")
                .append("; Strapi's most concurrent requests within what the local run's limits allow (each function at most 4")
                .append(" environments here: (4 API + 4 worker + 2 scheduled) × 4 readers + 4 authorizers = 44): ")
                .append(stormy.strapiMostInFlight <= 44 ? "met" : "**missed**").append(".\n");
        String existing = Files.exists(out) ? Files.readString(out, StandardCharsets.UTF_8) : "";
        int at = existing.indexOf("## Storm (issue 23)");
        String kept = at < 0 ? existing : existing.substring(0, at);
        Files.writeString(out, kept.stripTrailing() + "\n\n" + md, StandardCharsets.UTF_8);
        System.out.println(md);
    }

    private static String rate(Phase phase) {
        return phase.wellBehavedRequests.get() == 0 ? "-"
                : String.format("%.1f %%", 100.0 * phase.wellBehavedOk.get() / phase.wellBehavedRequests.get());
    }

    private static String max(List<Long> values) {
        return values.isEmpty() ? "-" : Long.toString(Collections.max(values));
    }

    private static void row(StringBuilder md, String what, String quiet, String storm) {
        md.append("| ").append(what).append(" | ").append(quiet.replace("|", "\\|")).append(" | ").append(storm.replace("|", "\\|")).append(" |\n");
    }

    private void close() {
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
}
