package com.onboardingexport.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.onboardingexport.local.faults.StrapiFaultProxy;
import com.onboardingexport.local.services.LocalMoto;
import com.onboardingexport.local.services.LocalS3;
import com.onboardingexport.local.services.LocalStrapi;
import com.onboardingexport.local.template.ProjectRoot;
import com.onboardingexport.shared.Json;
import com.onboardingexport.shared.JsonLog;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The benchmark of issue 7, one run: starts the real dev Strapi seeded with {@code bench.seed} extra
 * responses, the in-process S3 and the Secrets Manager stand-in, measures
 * <ol>
 *   <li>exports end to end (CSV and JSON; all campaigns all time, and a filtered ~10% date range);</li>
 *   <li>the fetch floor (page numbers and id ranges, sequential and at parallelism 2, 4, 8) and the
 *       ratio export ÷ best floor;</li>
 *   <li>peak heap of an export at both sizes, each in a fresh JVM ({@link HeapProbe});</li>
 *   <li>sequential against concurrent paging with 20 ms added to every Strapi request
 *       ({@link StrapiFaultProxy}) and with none;</li>
 *   <li>cold start of both functions and of a bare handler in fresh JVMs ({@link ColdStartMain});</li>
 * </ol>
 * and writes bench/RESULTS.md. Started by bench/run.sh, which passes the classpaths of the two
 * functions (as Lambda would have them) in {@code bench.cp.export} and {@code bench.cp.authorizer}.
 */
public final class BenchMain {
    /** The filtered export: 36 days of the seed's ~355-day span, about 10% of the rows. */
    static final String FILTERED_RANGE = "2026-03-01/2026-04-05";
    static final String FILTERED_START = "2026-03-01T00:00:00Z";
    static final String FILTERED_END = "2026-04-06T00:00:00Z";
    static final String ALL_RANGE = "all_time";
    /** A one-day export, for warm-ups and the cold start's first answer. */
    static final String SMALL_RANGE = "2026-03-01/2026-03-01";
    static final String METHOD_ARN = "arn:aws:execute-api:us-east-1:000000000000:bench12345/dev/POST/exports/onboarding";
    static final int[] PARALLELISMS = {1, 2, 4, 8};
    static final long LATENCY_MS = 20;

    private final int seed = Integer.getInteger("bench.seed", 100_000);
    private final int smallRuns = Integer.getInteger("bench.runs.small", 3);
    private final int largeRuns = Integer.getInteger("bench.runs.large", 3);
    private final int coldRuns = Integer.getInteger("bench.runs.cold", 5);
    private final Path out = Path.of(System.getProperty("bench.out", "bench/RESULTS.md"));
    private final Path logDir = Path.of(System.getProperty("bench.logdir", "bench/target"));
    private final String command = System.getProperty("bench.command", "bench/run.sh");
    private final long started = System.nanoTime();
    private final StringBuilder report = new StringBuilder();
    private final List<String> verdicts = new ArrayList<>();
    private final CpuWatch cpu = new CpuWatch();

    private LocalStrapi strapi;
    private LocalS3 s3;
    private LocalMoto secrets;
    private String apiTokenSecretArn;
    private String jwtSecretArn;

    public static void main(String[] args) throws Exception {
        BenchMain bench = new BenchMain();
        Runtime.getRuntime().addShutdownHook(new Thread(bench::closeParts));
        try {
            bench.run();
        } finally {
            bench.closeParts();
        }
        System.exit(0);
    }

    private void run() throws Exception {
        Files.createDirectories(logDir);
        PrintStream handlerLog = new PrintStream(Files.newOutputStream(logDir.resolve("bench-handler-log.jsonl")), true, StandardCharsets.UTF_8);
        JsonLog.redirect(handlerLog);
        String loadBefore = loadAverage();
        String code = codeVersion();
        String startedAt = DateTimeFormatter.ISO_INSTANT.format(Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
        log("load before: " + loadBefore);

        cpu.begin("Strapi start and seed");
        long strapiStart = System.nanoTime();
        strapi = LocalStrapi.start(new LocalStrapi.Options(0, Map.of("SEED_RESPONSES", Integer.toString(seed))));
        double strapiSeconds = (System.nanoTime() - strapiStart) / 1e9;
        String seedLine = strapi.logTail().lines().filter(line -> line.contains("SEED_RESPONSES")).findFirst().orElse("(no seed line)")
                .replaceAll("\u001B\\[[0-9;]*m", "").replaceAll("^.*\\[seed\\]", "[seed]").trim();
        log("Strapi up in " + Md.f(strapiSeconds, 1) + " s: " + seedLine.trim());
        s3 = LocalS3.start(0);
        s3.createBucket(ExportRunner.BUCKET);
        secrets = LocalMoto.start(0);
        apiTokenSecretArn = secrets.createSecret("onboarding-export-bench/strapi-api-token", strapi.apiToken());
        jwtSecretArn = secrets.createSecret("onboarding-export-bench/jwt-secret", strapi.jwtSecret());

        FloorReader allFloor = new FloorReader(strapi.url(), strapi.apiToken(), FloorReader.exportFilters(null, null));
        FloorReader filteredFloor = new FloorReader(strapi.url(), strapi.apiToken(), FloorReader.exportFilters(FILTERED_START, FILTERED_END));
        long allRows = allFloor.count();
        long filteredRows = filteredFloor.count();
        log("rows: all " + allRows + ", filtered " + filteredRows);

        StringBuilder data = new StringBuilder();
        data.append("Strapi started and seeded in ").append(Md.f(strapiSeconds, 1)).append(" s (`")
                .append(seedLine).append("`).\n\n")
                .append(new Md("export", "request body", "rows")
                        .row("all", "`" + ExportRunner.body(ALL_RANGE, "csv|json") + "` (admin: every campaign)", allRows)
                        .row("filtered", "`" + ExportRunner.body(FILTERED_RANGE, "csv|json") + "` (admin)", filteredRows));

        try (ExportRunner exports = new ExportRunner(strapi.url(), strapi.apiToken(), s3.endpoint(),
                LocalS3.ACCESS_KEY, LocalS3.SECRET_KEY, 4);
             ExportRunner sequentialExports = new ExportRunner(strapi.url(), strapi.apiToken(), s3.endpoint(),
                LocalS3.ACCESS_KEY, LocalS3.SECRET_KEY, 1)) {
            cpu.begin("warm-up");
            warmUp(exports, sequentialExports, filteredFloor);
            // Items 1 and 2: the floor sweep picks the best way to read; then that floor and the exports alternate.
            cpu.begin("1-2 filtered: floor sweep");
            Map<String, FloorReader.Result> filteredFloors = floors("filtered", filteredFloor, filteredRows, 2);
            cpu.begin("1-2 filtered: best floor and exports, alternated");
            Interleaved filtered = interleaved("filtered", filteredFloor, best(filteredFloors), exports, FILTERED_RANGE,
                    smallRuns, filteredRows);
            cpu.begin("1-2 all: floor sweep");
            Map<String, FloorReader.Result> allFloors = floors("all", allFloor, allRows, 1);
            cpu.begin("1-2 all: best floor and exports, alternated");
            Interleaved all = interleaved("all", allFloor, best(allFloors), exports, ALL_RANGE, largeRuns, allRows);
            cpu.begin("1-2 all: CSV export with STRAPI_PARALLELISM=1");
            List<ExportRunner.Outcome> allSequential = exportRuns(sequentialExports, ALL_RANGE, "csv", 1, allRows);

            report.append("## 1 and 2. Export end to end against the fetch floor\n\n");
            report.append(data).append('\n');
            report.append(floorSection("all", allRows, allFloors));
            report.append(floorSection("filtered", filteredRows, filteredFloors));
            report.append(exportSection(allRows, all, filteredRows, filtered, allSequential));

            // Item 4.
            cpu.begin("4 latency");
            report.append(latencySection(exports, sequentialExports, filteredRows));
        }
        // Issue 9: the asynchronous export of every row, end to end.
        cpu.begin("6 asynchronous export");
        report.append(asyncSection(allRows));

        // Item 3.
        cpu.begin("3 heap (child JVMs)");
        report.append(heapSection(allRows, filteredRows));
        // Item 5.
        cpu.begin("5 cold start (child JVMs)");
        report.append(coldStartSection());
        cpu.end();

        String loadAfter = loadAverage();
        log("load after: " + loadAfter);
        writeReport(startedAt, code, loadBefore, loadAfter, allRows);
        log("wrote " + out.toAbsolutePath() + " in " + Md.f((System.nanoTime() - started) / 1e9, 0) + " s");
    }

    // ------------------------------------------------------------------ issue 9

    /** The template's default threshold (ASYNC_ROW_THRESHOLD), so "auto" takes the background path for all rows. */
    static final long ASYNC_ROW_THRESHOLD = 50_000;

    private String asyncSection(long allRows) throws Exception {
        try (ExportRunner async = new ExportRunner(strapi.url(), strapi.apiToken(), s3.endpoint(),
                LocalS3.ACCESS_KEY, LocalS3.SECRET_KEY, 4, ASYNC_ROW_THRESHOLD)) {
            log("6 asynchronous export of all rows ...");
            Md table = new Md("export", "format", "answer", "rows", "end to end s", "rows/s");
            for (String format : List.of("csv", "json")) {
                ExportRunner.Outcome outcome = async.runAsync(ALL_RANGE, format);
                async.delete(outcome);
                table.row("all, `mode: auto`", format, outcome.status() == 200 ? outcome.path() + ", then succeeded" : outcome.error(),
                        outcome.rows(), Md.f(outcome.seconds(), 2), Math.round(outcome.rowsPerSecond()));
            }
            return "## 6. Asynchronous export of every row (issue 9)\n\n"
                    + "An admin's `POST /exports/onboarding` of all " + allRows + " rows with `mode: auto` and the template's "
                    + "`ASYNC_ROW_THRESHOLD` (" + ASYNC_ROW_THRESHOLD + "): the 202, the background run (played in process, as "
                    + "in the local run), and polling the status every 100 ms until `succeeded`; timed from the POST to the "
                    + "answer that holds the link.\n\n" + table + "\n";
        }
    }

    // ------------------------------------------------------------------ items 1 and 2

    private void warmUp(ExportRunner exports, ExportRunner sequentialExports, FloorReader floor) throws Exception {
        log("warm-up (JIT) ...");
        for (String format : List.of("csv", "json")) {
            exports.delete(check(exports.run(FILTERED_RANGE, format), -1));
        }
        sequentialExports.delete(check(sequentialExports.run(SMALL_RANGE, "csv"), -1));
        floor.idRanges(4);
        floor.pageNumbers(2);
        floor.idRanges(1);
    }

    private Map<String, FloorReader.Result> floors(String name, FloorReader reader, long expectedRows, int runs) throws Exception {
        Map<String, FloorReader.Result> results = new LinkedHashMap<>();
        for (String strategy : List.of("page numbers", "id ranges")) {
            for (int parallelism : PARALLELISMS) {
                FloorReader.Result best = null;
                for (int run = 0; run < runs; run++) {
                    FloorReader.Result result = measure(reader, strategy, parallelism, expectedRows);
                    if (best == null || result.nanos() < best.nanos()) {
                        best = result;
                    }
                }
                log("floor " + name + ": " + describe(best));
                results.put(key(best), best);
            }
        }
        return results;
    }

    /** The best floor's runs and each format's export runs, measured in turn (floor, CSV, JSON) so a change of pace hits all alike. */
    record Interleaved(FloorReader.Result sweepBest, List<FloorReader.Result> floors, Map<String, List<ExportRunner.Outcome>> exports) {
        double floorMedian() {
            return Md.median(floors.stream().map(FloorReader.Result::seconds).toList());
        }
    }

    private Interleaved interleaved(String name, FloorReader reader, FloorReader.Result best, ExportRunner runner, String range,
                                    int runs, long expectedRows) throws Exception {
        List<FloorReader.Result> floorRuns = new ArrayList<>();
        Map<String, List<ExportRunner.Outcome>> exportRuns = new LinkedHashMap<>();
        for (int run = 0; run < runs; run++) {
            FloorReader.Result floor = measure(reader, best.strategy(), best.parallelism(), expectedRows);
            log("floor " + name + " (best, again): " + describe(floor));
            floorRuns.add(floor);
            for (String format : List.of("csv", "json")) {
                exportRuns.computeIfAbsent(format, f -> new ArrayList<>()).addAll(exportRuns(runner, range, format, 1, expectedRows));
            }
        }
        return new Interleaved(best, floorRuns, exportRuns);
    }

    private static FloorReader.Result measure(FloorReader reader, String strategy, int parallelism, long expectedRows) throws Exception {
        FloorReader.Result result = strategy.equals("page numbers") ? reader.pageNumbers(parallelism) : reader.idRanges(parallelism);
        if (result.rows() != expectedRows) {
            throw new IllegalStateException("floor " + strategy + " p=" + parallelism + " read " + result.rows() + " rows, expected " + expectedRows);
        }
        return result;
    }

    private static FloorReader.Result best(Map<String, FloorReader.Result> floors) {
        return floors.values().stream().min(Comparator.comparingLong(FloorReader.Result::nanos)).orElseThrow();
    }

    private List<ExportRunner.Outcome> exportRuns(ExportRunner runner, String range, String format, int runs, long expectedRows) {
        List<ExportRunner.Outcome> outcomes = new ArrayList<>();
        for (int run = 0; run < runs; run++) {
            ExportRunner.Outcome outcome = check(runner.run(range, format), expectedRows);
            runner.delete(outcome);
            log("export " + range + " " + format + ": " + describe(outcome));
            outcomes.add(outcome);
        }
        return outcomes;
    }

    private static ExportRunner.Outcome check(ExportRunner.Outcome outcome, long expectedRows) {
        if (!outcome.ok() || (expectedRows >= 0 && outcome.rows() != expectedRows)) {
            throw new IllegalStateException("export failed or incomplete: " + outcome);
        }
        return outcome;
    }

    private String floorSection(String name, long rows, Map<String, FloorReader.Result> floors) {
        FloorReader.Result best = best(floors);
        Md table = new Md("strategy", "parallelism", "requests", "seconds", "rows/s", "");
        floors.values().forEach(result -> table.row(result.strategy(), result.parallelism(), result.requests(),
                Md.f(result.seconds(), 2), Md.thousands(result.rowsPerSecond()), result == best ? "**best**" : ""));
        return "### Floor sweep, " + name + " export (" + rows + " rows): GET + Jackson parse of every page, same filters and populate"
                + (name.equals("filtered") ? " (best of 2 runs each)" : "") + "\n\n" + table + "\n";
    }

    private String exportSection(long allRows, Interleaved all, long filteredRows, Interleaved filtered,
                                 List<ExportRunner.Outcome> allSequential) {
        Md table = new Md("export", "format", "rows", "file MB", "export runs (s)", "export median s", "rows/s",
                "floor runs (s)", "floor median s", "export ÷ floor", "target ≤ 1.3", "path");
        for (var entry : all.exports().entrySet()) {
            exportRow(table, "all", entry.getKey(), allRows, entry.getValue(), all, true);
        }
        exportRow(table, "all, STRAPI_PARALLELISM=1", "csv", allRows, allSequential, all, false);
        for (var entry : filtered.exports().entrySet()) {
            exportRow(table, "filtered", entry.getKey(), filteredRows, entry.getValue(), filtered, false);
        }
        return "### Export end to end against the best floor, measured in turn\n\n"
                + "After the sweep, the best floor (all: " + all.sweepBest().strategy() + " at parallelism " + all.sweepBest().parallelism()
                + "; filtered: " + filtered.sweepBest().strategy() + " at parallelism " + filtered.sweepBest().parallelism()
                + ") and the exports ran in turn (floor, CSV, JSON, floor, ...), so that the ratio compares runs made under the same "
                + "conditions: export median ÷ floor median. Exports: `STRAPI_PARALLELISM=4` unless said, `handleApiRequest` to the 200 "
                + "answer with the link. The target applies at " + allRows + " rows; the filtered export is for reference.\n\n"
                + table + "\n";
    }

    private void exportRow(Md table, String name, String format, long rows, List<ExportRunner.Outcome> outcomes,
                           Interleaved floors, boolean target) {
        List<Double> seconds = outcomes.stream().map(ExportRunner.Outcome::seconds).toList();
        double median = Md.median(seconds);
        double floor = floors.floorMedian();
        double ratio = median / floor;
        String verdict = !target ? "" : ratio <= 1.3 ? "met" : "**missed** (by " + Md.f((ratio / 1.3 - 1) * 100, 0) + "%)";
        if (target) {
            verdicts.add("Export ÷ floor at " + rows + " rows, " + format.toUpperCase() + ": " + Md.f(median, 2) + " s ÷ "
                    + Md.f(floor, 2) + " s = " + Md.f(ratio, 2) + " (target ≤ 1.3): " + verdict);
        }
        table.row(name, format, rows, Md.f(outcomes.get(0).bytes() / 1e6, 1), Md.list(seconds, 2), Md.f(median, 2),
                Md.thousands(rows / median), Md.list(floors.floors().stream().map(FloorReader.Result::seconds).toList(), 2),
                Md.f(floor, 2), Md.f(ratio, 2), verdict,
                String.join(", ", outcomes.stream().map(ExportRunner.Outcome::path).distinct().toList()));
    }

    // ------------------------------------------------------------------ item 4

    private String latencySection(ExportRunner directParallel, ExportRunner directSequential, long filteredRows) throws Exception {
        StringBuilder section = new StringBuilder("## 4. Sequential against concurrent paging, filtered export (CSV, "
                + filteredRows + " rows)\n\n");
        Md table = new Md("added latency per Strapi request", "STRAPI_PARALLELISM=1 runs (s)", "=4 runs (s)", "=8 runs (s)",
                "Strapi requests 1 / 4 / 8", "speedup 1 ÷ 4", "target", "verdict", "speedup 1 ÷ 8 (for reference)");
        Md floorTable = new Md("added latency", "floor", "parallelism", "requests", "seconds", "rows/s", "ms per request per worker");
        try (StrapiFaultProxy proxy = StrapiFaultProxy.start(strapi.url()).latency(LATENCY_MS);
             ExportRunner slow1 = new ExportRunner(proxy.url(), strapi.apiToken(), s3.endpoint(), LocalS3.ACCESS_KEY, LocalS3.SECRET_KEY, 1);
             ExportRunner slow4 = new ExportRunner(proxy.url(), strapi.apiToken(), s3.endpoint(), LocalS3.ACCESS_KEY, LocalS3.SECRET_KEY, 4);
             ExportRunner slow8 = new ExportRunner(proxy.url(), strapi.apiToken(), s3.endpoint(), LocalS3.ACCESS_KEY, LocalS3.SECRET_KEY, 8)) {
            slow4.delete(check(slow4.run(SMALL_RANGE, "csv"), -1)); // the proxy's and the handler's connections warm
            compare(table, LATENCY_MS + " ms (StrapiFaultProxy)", List.of(slow1, slow4, slow8), proxy, filteredRows, 2.5);
            FloorReader slowFloor = new FloorReader(proxy.url(), strapi.apiToken(), FloorReader.exportFilters(FILTERED_START, FILTERED_END));
            for (long latency : new long[] {LATENCY_MS, 0}) {
                proxy.latency(latency);
                for (int parallelism : latency == 0 ? new int[] {1, 4} : new int[] {1, 4, 8}) {
                    FloorReader.Result result = measure(slowFloor, "id ranges", parallelism, filteredRows);
                    log("floor through the proxy at " + latency + " ms: " + describe(result));
                    floorTable.row(latency + " ms (through the proxy)", result.strategy(), parallelism, result.requests(),
                            Md.f(result.seconds(), 2), Md.thousands(result.rowsPerSecond()),
                            Md.f(result.seconds() * 1000 * parallelism / result.requests(), 1));
                }
            }
        }
        compare(table, "none (direct)", List.of(directSequential, directParallel), null, filteredRows, 1.0);
        section.append(table).append('\n')
                .append("Runs alternate between the settings. For scale, the floor (id ranges, GET + parse only) through the same proxy, "
                        + "with 20 ms and with none (what the proxy itself costs):\n\n")
                .append(floorTable).append('\n');
        return section.toString();
    }

    /** Runs the filtered CSV export with each runner in turn (alternated); the first is sequential, the second the default. */
    private void compare(Md table, String latency, List<ExportRunner> runners, StrapiFaultProxy proxy, long rows, double target) {
        List<List<Double>> seconds = new ArrayList<>();
        List<Integer> requests = new ArrayList<>();
        runners.forEach(runner -> {
            seconds.add(new ArrayList<>());
            requests.add(0);
        });
        int runs = Math.max(2, smallRuns - 1);
        for (int run = 0; run < runs; run++) { // alternated, so a change of pace hits every setting alike
            StringBuilder line = new StringBuilder("latency " + latency + ":");
            for (int i = 0; i < runners.size(); i++) {
                int before = proxy == null ? 0 : proxy.requests();
                ExportRunner.Outcome outcome = check(runners.get(i).run(FILTERED_RANGE, "csv"), rows);
                runners.get(i).delete(outcome);
                requests.set(i, proxy == null ? 0 : proxy.requests() - before);
                seconds.get(i).add(outcome.seconds());
                line.append(" p=").append(runners.get(i).parallelism()).append(' ').append(Md.f(outcome.seconds(), 2)).append(" s");
            }
            log(line.toString());
        }
        double sequential = Md.median(seconds.get(0));
        double speedup = sequential / Md.median(seconds.get(1));
        String verdict = speedup >= target ? "met" : "**missed**" + (target > 1 ? " (by " + Md.f((1 - speedup / target) * 100, 0) + "%)" : "");
        verdicts.add("Concurrent (4) ÷ sequential (1) paging, added latency " + latency + ": " + Md.f(speedup, 2) + "× (target ≥ "
                + Md.f(target, 1) + "×): " + verdict);
        table.row(latency, Md.list(seconds.get(0), 2), Md.list(seconds.get(1), 2),
                runners.size() > 2 ? Md.list(seconds.get(2), 2) : "—",
                proxy == null ? "—" : String.join(" / ", requests.stream().map(String::valueOf).toList()),
                Md.f(speedup, 2) + "×", "≥ " + Md.f(target, 1) + "×", verdict,
                runners.size() > 2 ? Md.f(sequential / Md.median(seconds.get(2)), 2) + "×" : "—");
    }

    // ------------------------------------------------------------------ item 3

    private String heapSection(long allRows, long filteredRows) throws Exception {
        Md table = new Md("export", "format", "rows", "export s (with forced GCs)", "forced full GCs", "baseline live MB",
                "peak live MB", "peak live above baseline MB", "pool peaks incl. garbage MB");
        Map<String, JsonNode> results = new LinkedHashMap<>();
        for (String format : List.of("csv", "json")) {
            for (String name : List.of("filtered", "all")) {
                JsonNode heap = heapProbe(name.equals("all") ? ALL_RANGE : FILTERED_RANGE, format);
                log("heap " + name + " " + format + ": " + heap);
                results.put(name + " " + format, heap);
                table.row(name, format, heap.path("rows").asLong(), heap.path("seconds").asText(), heap.path("samples").asInt(),
                        heap.path("baseline_live_mb").asText(), heap.path("peak_live_mb").asText(),
                        heap.path("peak_live_above_baseline_mb").asText(), heap.path("peak_pools_incl_garbage_mb").asText());
            }
        }
        Md ratios = new Md("format", "peak live at " + allRows + " ÷ at " + filteredRows, "above baseline, ratio", "target ≤ 1.5", "");
        for (String format : List.of("csv", "json")) {
            JsonNode small = results.get("filtered " + format);
            JsonNode large = results.get("all " + format);
            double ratio = large.path("peak_live_mb").asDouble() / small.path("peak_live_mb").asDouble();
            double above = large.path("peak_live_above_baseline_mb").asDouble() / Math.max(0.1, small.path("peak_live_above_baseline_mb").asDouble());
            String verdict = ratio <= 1.5 ? "met" : "**missed** (by " + Md.f((ratio / 1.5 - 1) * 100, 0) + "%)";
            verdicts.add("Peak live heap " + allRows + " ÷ " + filteredRows + " rows, " + format.toUpperCase() + ": " + Md.f(ratio, 2) + " (target ≤ 1.5): " + verdict);
            ratios.row(format, Md.f(ratio, 2), Md.f(above, 2), verdict, "");
        }
        JsonNode any = results.values().iterator().next();
        return "## 3. Peak heap of one export, each in a fresh JVM\n\n"
                + "`-Xmx256m -XX:+UseSerialGC`, collector " + any.path("gc").asText() + ". After a warm-up export of one day "
                + "(classes loaded) and a `System.gc()` baseline, a sampler thread forces a full GC every 200 ms while the export runs; "
                + "the heap used after each (from the collector's own GC notification) is what the export holds live then, and the "
                + "largest is the peak live heap. \"Pool peaks\" is the JVM's `MemoryPoolMXBean.getPeakUsage()` summed over the heap "
                + "pools since the baseline: garbage included, it shows how far the young generation was let grow, not what the export needs. "
                + "Each export ran through the scheduled entry point (same plan and run; the forced GCs could push a 100 000-row export past "
                + "the API path's 27 s). Source: `HeapProbe.java`.\n\n"
                + table + '\n' + ratios + '\n';
    }

    private JsonNode heapProbe(String range, String format) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(java(), "-Xmx256m", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"), HeapProbe.class.getName());
        Map<String, String> env = builder.environment();
        env.put("BENCH_STRAPI_URL", strapi.url().toString());
        env.put("BENCH_STRAPI_TOKEN", strapi.apiToken());
        env.put("BENCH_S3", s3.endpoint().toString());
        env.put("BENCH_S3_ACCESS_KEY", LocalS3.ACCESS_KEY);
        env.put("BENCH_S3_SECRET_KEY", LocalS3.SECRET_KEY);
        env.put("BENCH_DATE_RANGE", range);
        env.put("BENCH_WARMUP_RANGE", SMALL_RANGE);
        env.put("BENCH_FORMAT", format);
        env.put("BENCH_PARALLELISM", "4");
        env.put("BENCH_SAMPLE_MS", "200");
        Child child = Child.run(builder, "HEAP ", Duration.ofMinutes(5));
        if (child.marked() == null) {
            throw new IllegalStateException("heap probe printed no figures:\n" + child.output());
        }
        JsonNode heap = Json.MAPPER.readTree(child.marked().substring("HEAP ".length()));
        if (heap.path("status").asInt() != 200) {
            throw new IllegalStateException("heap probe export failed: " + heap);
        }
        return heap;
    }

    // ------------------------------------------------------------------ item 5

    /** The Lambda runtime's event serializers, which the runtime (not the function) brings. */
    private static String runtimeSerializers() throws Exception {
        return Path.of(com.amazonaws.services.lambda.runtime.serialization.events.LambdaEventSerializers.class
                .getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    private String coldStartSection() throws Exception {
        String token = strapi.login("client-a@onboarding.test", LocalStrapi.DEV_PASSWORD);
        Path benchClasses = Path.of(System.getProperty("bench.classes", "bench/target/classes")).toAbsolutePath();
        String exportCp = benchClasses + java.io.File.pathSeparator + readClasspath("bench.cp.export");
        String authorizerCp = benchClasses + java.io.File.pathSeparator + readClasspath("bench.cp.authorizer");
        List<String> c1 = List.of("-XX:+TieredCompilation", "-XX:TieredStopAtLevel=1");
        ObjectNode exportEvent = Json.MAPPER.valueToTree(ExportRunner.adminRequest(ExportRunner.body(SMALL_RANGE, "csv")));

        record Kind(String name, String handler, String kind, String classpath, List<String> flags, String expect) {
        }
        List<Kind> kinds = List.of(
                new Kind("bare handler, C1 only (the authorizer's flags)", BareHandler.class.getName(), "stream", exportCp, c1, "{}"),
                new Kind("authorizer (AuthorizerHandler)", "com.onboardingexport.authorizer.AuthorizerHandler", "authorizer", authorizerCp, c1, "Allow"),
                new Kind("bare handler, default JIT (the export's flags)", BareHandler.class.getName(), "stream", exportCp, List.of(), "{}"),
                new Kind("export (ExportHandler), one-day CSV export", "com.onboardingexport.export.api.ExportHandler", "api",
                        exportCp + java.io.File.pathSeparator + runtimeSerializers(), List.of(), "\"statusCode\":200"));
        Map<String, List<JsonNode>> runs = new LinkedHashMap<>();
        kinds.forEach(kind -> runs.put(kind.name(), new ArrayList<>()));
        for (int run = 0; run < coldRuns; run++) { // interleaved, so the machine's load hits every kind alike
            for (Kind kind : kinds) {
                List<String> commandLine = new ArrayList<>();
                commandLine.add(java());
                commandLine.addAll(kind.flags());
                commandLine.addAll(List.of("-cp", kind.classpath(), ColdStartMain.class.getName(), kind.handler(), kind.kind()));
                ProcessBuilder builder = new ProcessBuilder(commandLine);
                Map<String, String> env = builder.environment();
                env.keySet().removeIf(name -> name.startsWith("AWS_") || name.equals("JAVA_TOOL_OPTIONS"));
                env.put("AWS_REGION", "us-east-1");
                env.put("AWS_ACCESS_KEY_ID", LocalS3.ACCESS_KEY);
                env.put("AWS_SECRET_ACCESS_KEY", LocalS3.SECRET_KEY);
                env.put("AWS_EC2_METADATA_DISABLED", "true");
                env.put("AWS_ENDPOINT_URL", secrets.endpoint().toString());
                env.put("AWS_ENDPOINT_URL_S3", s3.endpoint().toString());
                env.put("STRAPI_URL", strapi.url().toString());
                env.put("STRAPI_API_TOKEN_SECRET_ARN", apiTokenSecretArn);
                env.put("JWT_SECRET_ARN", jwtSecretArn);
                env.put("EXPORT_BUCKET", ExportRunner.BUCKET);
                env.put("USER_CACHE_SECONDS", "60");
                env.put("STRAPI_TIMEOUT_MS", "10000");
                env.put("ASYNC_ROW_THRESHOLD", "50000");
                env.put("BENCH_TOKEN", token);
                env.put("BENCH_METHOD_ARN", METHOD_ARN);
                env.put("BENCH_EVENT", exportEvent.toString());
                Child child = Child.run(builder, "TIMING ", Duration.ofSeconds(90));
                if (child.marked() == null || child.firstAnswerNanos() < 0) {
                    throw new IllegalStateException(kind.name() + ": no answer:\n" + child.output());
                }
                ObjectNode timing = (ObjectNode) Json.MAPPER.readTree(child.marked().substring("TIMING ".length()));
                if (!timing.path("first_answer").asText().contains(kind.expect())) {
                    throw new IllegalStateException(kind.name() + ": unexpected answer " + timing.path("first_answer") + "\n" + child.output());
                }
                timing.put("process_start_to_first_answer_ms", Math.round(child.firstAnswerNanos() / 10_000.0) / 100.0);
                runs.get(kind.name()).add(timing);
                log("cold start " + kind.name() + ": " + timing.path("process_start_to_first_answer_ms") + " ms");
            }
        }
        Md table = new Md("handler", "JVM flags", "process start → first answer, runs (ms)", "median ms", "median − its bare floor ms",
                "JVM start → main ms", "init (constructor) ms", "first request ms", "second request ms");
        Map<String, Double> medians = new LinkedHashMap<>();
        for (Kind kind : kinds) {
            List<JsonNode> timings = runs.get(kind.name());
            List<Double> total = timings.stream().map(t -> t.path("process_start_to_first_answer_ms").asDouble()).toList();
            medians.put(kind.name(), Md.median(total));
        }
        for (Kind kind : kinds) {
            List<JsonNode> timings = runs.get(kind.name());
            List<Double> total = timings.stream().map(t -> t.path("process_start_to_first_answer_ms").asDouble()).toList();
            double floor = kind.flags().isEmpty() ? medians.get(kinds.get(2).name()) : medians.get(kinds.get(0).name());
            table.row(kind.name(), kind.flags().isEmpty() ? "(none)" : String.join(" ", kind.flags()), Md.list(total, 0),
                    Md.f(Md.median(total), 0), kind.handler().equals(BareHandler.class.getName()) ? "—" : Md.f(Md.median(total) - floor, 0),
                    medianOf(timings, "jvm_to_main_ms", 0), medianOf(timings, "init_ms", 0), medianOf(timings, "first_request_ms", 0),
                    medianOf(timings, "second_request_ms", 1));
        }
        return "## 5. Cold start in a fresh JVM (no SnapStart): process start to first answer\n\n"
                + "Each run is a new `java` process on the function's classpath as Lambda gives it (its jar and its `lib/`, then the layer's "
                + "jar and `lib/`, as `sam build` lays them out and the modules reproduce in `target/dependency`; the benchmark's few "
                + "classes first), the template's JVM flags, configuration from "
                + "environment variables. `ColdStartMain` loads the handler class by name, builds it with its no-argument constructor (as Lambda "
                + "does), and answers one event: the authorizer a TOKEN event with a real Strapi JWT (client-a; Secrets Manager stand-in read, "
                + "Strapi user lookup), the export an API Gateway event (admin, one day, " + SMALL_RANGE + ", CSV, synchronous: "
                + "secret read, Strapi count and pages, PutObject to the in-process S3, presigning), read and answered with the Lambda "
                + "runtime's event serializers as for any typed handler. The parent times process start "
                + "to the line printed right after the first answer. " + coldRuns + " runs of each, interleaved. The Lambda runtime's own "
                + "start-up is not included; Lambda's CPU share (about 0.6 vCPU at 1 024 MB, 1.2 at 2 048 MB) "
                + "is lower than this machine's.\n\n"
                + table + '\n';
    }

    private static String medianOf(List<JsonNode> timings, String field, int decimals) {
        return Md.f(Md.median(timings.stream().map(t -> t.path(field).asDouble()).toList()), decimals);
    }

    private static String readClasspath(String property) throws IOException {
        String file = System.getProperty(property);
        if (file == null) {
            throw new IllegalStateException("-D" + property + " (a classpath file written by bench/run.sh) is not set");
        }
        return Files.readString(Path.of(file)).trim();
    }

    // ------------------------------------------------------------------ report

    private void writeReport(String startedAt, String code, String loadBefore, String loadAfter, long allRows) throws IOException {
        StringBuilder text = new StringBuilder();
        text.append("# Benchmark results (issue 7)\n\n")
                .append("Written by `bench/run.sh` (`com.onboardingexport.bench.BenchMain`); see `bench/README.md` for what each figure means.\n\n")
                .append("- Command: `").append(command).append("`\n")
                .append("- Date: ").append(startedAt).append(" (run took ")
                .append(Md.f((System.nanoTime() - started) / 60e9, 1)).append(" min)\n")
                .append("- Code: ").append(code).append('\n')
                .append("- Machine: `nproc` = ").append(Runtime.getRuntime().availableProcessors()).append(", ")
                .append(cpuModel()).append("; Linux ").append(System.getProperty("os.version")).append('\n')
                .append("- Memory (`free -h`):\n\n```\n").append(shell("free", "-h")).append("```\n\n")
                .append("- Java (benchmark and child JVMs): ").append(System.getProperty("java.vm.name")).append(' ')
                .append(System.getProperty("java.runtime.version")).append(" (Lambda runs java21)\n")
                .append("- Strapi: @strapi/strapi ").append(strapiVersion()).append(", node ").append(shell("node", "--version").trim())
                .append(", SQLite, `strapi start`, one process; ").append(allRows).append(" responses (seed + SEED_RESPONSES=")
                .append(seed).append(")\n")
                .append("- Load (`uptime`): before ").append(loadBefore).append("; after ").append(loadAfter)
                .append(". The machine has 2 cores shared by Strapi (node), the benchmark JVM (handler, S3Proxy, delay proxy) and, "
                        + "possibly, other engineers' builds. CPU used per phase, in cores (from /proc: the benchmark's process tree, "
                        + "Strapi included, against everything else on the machine):\n\n")
                .append(cpuTable()).append('\n')
                .append("## Targets\n\n");
        for (String verdict : verdicts) {
            text.append("- ").append(verdict).append('\n');
        }
        text.append('\n').append(report);
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, text.toString());
    }

    private String cpuTable() {
        return cpuTable(cpu);
    }

    static String cpuTable(CpuWatch cpu) {
        Md table = new Md("phase", "seconds", "benchmark + Strapi, cores", "other processes, cores");
        for (CpuWatch.Phase phase : cpu.phases()) {
            table.row(phase.name(), Md.f(phase.seconds(), 0), Md.f(phase.ourCores(), 2), Md.f(phase.otherCores(), 2));
        }
        return table.toString();
    }

    /** The commit the run was built from, and the product files that differed from it then. */
    static String codeVersion() {
        Path root = ProjectRoot.find();
        String commit = shell("git", "-C", root.toString(), "rev-parse", "--short", "HEAD").trim();
        String dirty = shell("git", "-C", root.toString(), "status", "--porcelain", "--", "functions", "layers").trim();
        return "commit " + commit + (dirty.isEmpty() ? ", functions/ and layers/ unchanged"
                : "; uncommitted changes in functions/ or layers/: " + String.join(", ", dirty.lines()
                        .map(line -> "`" + line.substring(3).replaceAll("^.*/", "") + "`").toList()));
    }

    static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(line -> line.startsWith("model name"))
                    .findFirst().map(line -> line.substring(line.indexOf(':') + 1).trim()).orElse("CPU unknown");
        } catch (IOException e) {
            return "CPU unknown";
        }
    }

    static String strapiVersion() {
        try {
            Path pkg = ProjectRoot.find().resolve("strapi/node_modules/@strapi/strapi/package.json");
            return Json.MAPPER.readTree(pkg.toFile()).path("version").asText("?");
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }

    static String loadAverage() {
        return shell("uptime").trim().replaceAll("^.*load average", "load average");
    }

    static String shell(String... command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String text = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            process.waitFor(10, TimeUnit.SECONDS);
            return text;
        } catch (IOException e) {
            return "(" + String.join(" ", command) + ": " + e.getMessage() + ")\n";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static String key(FloorReader.Result result) {
        return result.strategy() + " p=" + result.parallelism();
    }

    private static String describe(FloorReader.Result result) {
        return result.strategy() + " p=" + result.parallelism() + " " + result.rows() + " rows in " + Md.f(result.seconds(), 2)
                + " s = " + Md.thousands(result.rowsPerSecond()) + " rows/s (" + result.requests() + " requests)";
    }

    private static String describe(ExportRunner.Outcome outcome) {
        return outcome.rows() + " rows, " + Md.f(outcome.bytes() / 1e6, 1) + " MB in " + Md.f(outcome.seconds(), 2) + " s = "
                + Md.thousands(outcome.rowsPerSecond()) + " rows/s via " + outcome.path();
    }

    private void log(String message) {
        System.out.println("[bench " + Md.f((System.nanoTime() - started) / 1e9, 0) + " s] " + message);
        System.out.flush();
    }

    private synchronized void closeParts() {
        if (strapi != null) {
            strapi.close();
            strapi = null;
        }
        if (secrets != null) {
            secrets.close();
            secrets = null;
        }
        if (s3 != null) {
            try {
                s3.close();
            } catch (Exception ignored) {
                // exiting
            }
            s3 = null;
        }
    }

    /** A child JVM: its output, the line starting with a marker, and when FIRST_ANSWER appeared. */
    record Child(String output, String marked, long firstAnswerNanos) {
        static Child run(ProcessBuilder builder, String marker, Duration timeout) throws IOException, InterruptedException {
            builder.redirectErrorStream(true);
            long startedNanos = System.nanoTime();
            Process process = builder.start();
            Thread watchdog = new Thread(() -> {
                try {
                    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                        process.descendants().forEach(ProcessHandle::destroyForcibly);
                        process.destroyForcibly();
                    }
                } catch (InterruptedException ignored) {
                    // the child ended first
                }
            }, "child-watchdog");
            watchdog.setDaemon(true);
            watchdog.start();
            StringBuilder output = new StringBuilder();
            String marked = null;
            long firstAnswer = -1;
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                    if (firstAnswer < 0 && line.equals("FIRST_ANSWER")) {
                        firstAnswer = System.nanoTime() - startedNanos;
                    }
                    if (line.startsWith(marker)) {
                        marked = line;
                    }
                    if (output.length() < 200_000) {
                        output.append(line).append('\n');
                    }
                }
            } finally {
                if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly();
                }
            }
            return new Child(output.toString(), marked, firstAnswer);
        }
    }
}
