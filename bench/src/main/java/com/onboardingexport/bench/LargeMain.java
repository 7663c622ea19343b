package com.onboardingexport.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.onboardingexport.local.services.LocalMoto;
import com.onboardingexport.local.services.LocalS3;
import com.onboardingexport.local.services.LocalStrapi;
import com.onboardingexport.shared.Json;
import com.onboardingexport.shared.JsonLog;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The large profile of the benchmark (issue 15, exports of any size): for each size in
 * {@code bench.large.sizes} (default 100 000 and 1 000 000 extra responses), one after the other in
 * the same run, a fresh dev Strapi seeded with that many extra rows, and
 * <ol>
 *   <li>export ÷ fetch floor for the all-campaigns CSV and JSON exports (and CSV with gzip, when the
 *       build accepts {@code "compression": "gzip"}): a floor sweep of one run per strategy and
 *       parallelism (runs that can no longer be the best are cut short), then the best floor and the
 *       exports measured in turn;</li>
 *   <li>peak bytes under the export's temporary folder, sampled while it runs ({@link TmpSampler}),
 *       against the size of the (uncompressed) file it produced;</li>
 *   <li>the export JVM's CPU seconds per 100 000 rows against Strapi's, for the same exports;</li>
 *   <li>peak live heap ({@link HeapProbe}, a fresh JVM per export), largest size against smallest.</li>
 * </ol>
 * The exports run in a child JVM of their own ({@link ExportChild}) on the function's classpath,
 * with its own {@code java.io.tmpdir}; S3 (S3Proxy) and the Secrets Manager / EventBridge stand-in
 * stay in this JVM or their own processes. Writes {@code bench.out} (bench/RESULTS-large.md).
 */
public final class LargeMain {
    /**
     * The all-campaigns export of the issue; the warm-up's range (the default run's filtered export, 36 days,
     * about 10 % of the rows: enough for the JIT to compile the export's paths before the first timed run).
     */
    static final String ALL_RANGE = "all_time";
    static final String WARMUP_RANGE = BenchMain.FILTERED_RANGE;
    static final String WARMUP_START = BenchMain.FILTERED_START;
    static final String WARMUP_END = BenchMain.FILTERED_END;
    static final String PROBE_RANGE = "2026-03-01/2026-03-01";
    static final double RATIO_TARGET = 1.10;
    static final double TMP_TARGET = 0.3;
    static final double HEAP_TARGET = 1.2;
    static final long TARGET_SIZE = 1_000_000;

    private final List<Integer> sizes = ints(System.getProperty("bench.large.sizes", "100000,1000000"));
    private final int runs = Integer.getInteger("bench.large.runs", 2);
    private final List<Integer> parallelisms = ints(System.getProperty("bench.large.parallelisms", "1,2,4,8"));
    private final double floorCut = Double.parseDouble(System.getProperty("bench.large.floor.cut", "1.2"));
    private final long tmpSampleMillis = Long.getLong("bench.large.tmp.sample.ms", 50);
    private final List<String> exportJvm = words(System.getProperty("bench.large.export.jvm", "-Xmx1536m -XX:+UseSerialGC"));
    private final List<String> heapFormats = words(System.getProperty("bench.large.heap.formats", "csv,json").replace(',', ' '));
    private final int exportParallelism = Integer.getInteger("bench.large.export.parallelism", 4);
    private final Path out = Path.of(System.getProperty("bench.out", "bench/RESULTS-large.md"));
    private final Path logDir = Path.of(System.getProperty("bench.logdir", "bench/target"));
    private final String command = System.getProperty("bench.command", "BENCH_PROFILE=large bench/run.sh");
    private final long started = System.nanoTime();
    private final CpuWatch cpu = new CpuWatch();

    private LocalS3 s3;
    private LocalMoto moto;
    private LocalStrapi strapi;

    /** One export variant: its name in the tables and its request fields (besides date_range). */
    record Variant(String name, ObjectNode fields) {
        static Variant of(String name, String format, String compression) {
            ObjectNode fields = Json.MAPPER.createObjectNode().put("date_range", ALL_RANGE).put("file_format", format).put("mode", "sync");
            if (compression != null) {
                fields.put("compression", compression);
            }
            return new Variant(name, fields);
        }
    }

    /** One export run in the child: time, file, CPU of both sides, /tmp. */
    record ExportRun(double seconds, long rows, long bytes, long uncompressedBytes, double exportCpu, double strapiCpu,
                     long tmpPeak, long tmpLeft, int tmpSamples, String path) {
    }

    /** One floor run, with Strapi's CPU meanwhile. */
    record FloorRun(FloorReader.Result result, double strapiCpu) {
    }

    /** Everything measured at one size. */
    record SizeResult(int seed, long rows, double strapiStartSeconds, String seedLine, List<FloorReader.Result> sweep,
                      FloorReader.Result best, List<FloorRun> floors, Map<String, List<ExportRun>> exports, String gzip,
                      Map<String, JsonNode> heap) {
        double floorMedian() {
            return Md.median(floors.stream().map(run -> run.result().seconds()).toList());
        }
    }

    public static void main(String[] args) throws Exception {
        LargeMain bench = new LargeMain();
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
        JsonLog.redirect(new PrintStream(Files.newOutputStream(logDir.resolve("bench-large-handler-log.jsonl")), true, StandardCharsets.UTF_8));
        String loadBefore = BenchMain.loadAverage();
        String startedAt = DateTimeFormatter.ISO_INSTANT.format(Instant.now().truncatedTo(ChronoUnit.SECONDS));
        log("large profile: sizes " + sizes + " extra rows, " + runs + " alternated runs, floor sweep at parallelism "
                + parallelisms + "; load " + loadBefore);
        s3 = LocalS3.start(0);
        s3.createBucket(ExportRunner.BUCKET);
        moto = LocalMoto.start(0); // EventBridge for the exports' events (else each put waits for a refused connection)
        List<SizeResult> results = new ArrayList<>();
        for (int seed : sizes) {
            results.add(measureSize(seed));
        }
        cpu.end();
        String loadAfter = BenchMain.loadAverage();
        log("load after: " + loadAfter);
        writeReport(startedAt, loadBefore, loadAfter, results);
        log("wrote " + out.toAbsolutePath() + " in " + Md.f((System.nanoTime() - started) / 60e9, 1) + " min");
    }

    private SizeResult measureSize(int seed) throws Exception {
        String size = Md.thousands(seed);
        cpu.begin(size + ": Strapi start and seed");
        log(size + ": starting Strapi with SEED_RESPONSES=" + seed + " (about " + Math.max(5, seed / 25_000) + " s) ...");
        long strapiStart = System.nanoTime();
        strapi = LocalStrapi.start(new LocalStrapi.Options(0, Map.of("SEED_RESPONSES", Integer.toString(seed))));
        double strapiSeconds = (System.nanoTime() - strapiStart) / 1e9;
        String seedLine = strapi.logTail().lines().filter(line -> line.contains("SEED_RESPONSES")).findFirst().orElse("(no seed line)")
                .replaceAll("\u001B\\[[0-9;]*m", "").replaceAll("^.*\\[seed\\]", "[seed]").trim();
        List<Long> strapiPids = strapiPids();
        FloorReader floor = new FloorReader(strapi.url(), strapi.apiToken(), FloorReader.exportFilters(null, null));
        long rows = floor.count();
        log(size + ": Strapi up in " + Md.f(strapiSeconds, 1) + " s, " + rows + " rows (" + seedLine + "), node pid(s) " + strapiPids);

        Path tmp = Files.createTempDirectory("bench-export-tmp-");
        Map<String, List<ExportRun>> exports = new LinkedHashMap<>();
        List<FloorRun> floors = new ArrayList<>();
        List<FloorReader.Result> sweep;
        FloorReader.Result best;
        String gzip;
        try (Child child = Child.start(childCommand(ExportChild.class, exportJvm, tmp), childEnv(), logDir.resolve("bench-large-child-" + seed + ".log"))) {
            cpu.begin(size + ": warm-up");
            log(size + ": warm-up (export JVM: " + String.join(" ", exportJvm) + ", java.io.tmpdir " + tmp + ") ...");
            for (String format : List.of("csv", "json")) {
                ObjectNode fields = Json.MAPPER.createObjectNode().put("date_range", WARMUP_RANGE).put("file_format", format);
                JsonNode warm = child.export("scheduled", fields);
                requireOk(warm, -1);
                log(size + ": warm-up " + format + ": " + warm.path("rows").asLong() + " rows in " + Md.f(warm.path("seconds").asDouble(), 2) + " s");
            }
            ObjectNode probe = Json.MAPPER.createObjectNode().put("date_range", PROBE_RANGE).put("file_format", "csv")
                    .put("mode", "sync").put("compression", "gzip");
            JsonNode gzipProbe = child.export("api", probe);
            gzip = gzipProbe.path("status").asInt() == 200 ? (gzipProbe.path("gzip").asBoolean() ? null : "accepted, but the file is not gzip")
                    : gzipProbe.path("status").asInt() == 400 ? "not available (400: " + gzipProbe.path("error").asText() + ")"
                    : "not available (answered " + gzipProbe.path("status").asInt() + ": " + gzipProbe.path("error").asText() + ")";
            log(size + ": gzip CSV: " + (gzip == null ? "available" : gzip));
            FloorReader warmFloor = new FloorReader(strapi.url(), strapi.apiToken(), FloorReader.exportFilters(WARMUP_START, WARMUP_END));
            warmFloor.idRanges(4);
            warmFloor.pageNumbers(4);

            cpu.begin(size + ": floor sweep");
            sweep = sweep(size, floor, rows);
            best = sweep.stream().filter(result -> result.rows() == rows).min(Comparator.comparingLong(FloorReader.Result::nanos)).orElseThrow();
            log(size + ": best floor " + best.strategy() + " p=" + best.parallelism() + ": " + Md.f(best.seconds(), 2) + " s");

            cpu.begin(size + ": best floor and exports, alternated");
            List<Variant> variants = new ArrayList<>(List.of(Variant.of("csv", "csv", null), Variant.of("json", "json", null)));
            if (gzip == null) {
                variants.add(Variant.of("csv, gzip", "csv", "gzip"));
            }
            for (int run = 1; run <= runs; run++) {
                double before = strapiCpu(strapiPids);
                FloorReader.Result result = measureFloor(floor, best.strategy(), best.parallelism(), rows, null);
                floors.add(new FloorRun(result, strapiCpu(strapiPids) - before));
                log(size + ": run " + run + "/" + runs + ": floor " + describe(result));
                for (Variant variant : variants) {
                    ExportRun export = export(child, variant, rows, strapiPids, tmp, size + ": run " + run + "/" + runs + ": " + variant.name());
                    exports.computeIfAbsent(variant.name(), name -> new ArrayList<>()).add(export);
                    log(size + ": run " + run + "/" + runs + ": " + variant.name() + " " + describe(export, rows));
                }
            }
        }

        cpu.begin(size + ": heap (child JVMs)");
        Map<String, JsonNode> heap = new LinkedHashMap<>();
        for (String format : heapFormats) {
            log(size + ": heap probe " + format + " (a fresh JVM, a full GC every 200 ms while it runs) ...");
            JsonNode probe;
            try {
                probe = heapProbe(format, rows);
            } catch (RuntimeException e) { // reported, not fatal: the figures measured so far are worth the report
                log(size + ": heap probe " + format + " failed: " + e.getMessage());
                probe = Json.MAPPER.createObjectNode().put("probe_failed", String.valueOf(e.getMessage()).lines().findFirst().orElse("?"));
            }
            heap.put(format, probe);
            log(size + ": heap " + format + ": peak live " + probe.path("peak_live_mb").asText() + " MB (baseline "
                    + probe.path("baseline_live_mb").asText() + " MB), " + probe.path("seconds").asText() + " s");
        }
        cpu.end();
        strapi.close();
        strapi = null;
        deleteTree(tmp);
        return new SizeResult(seed, rows, strapiSeconds, seedLine, sweep, best, floors, exports, gzip, heap);
    }

    // ------------------------------------------------------------------ floor

    /**
     * One run per strategy and parallelism, id ranges first (the faster at these sizes so far): each run
     * is given at most {@code floorCut} × the best complete run so far, after which it stops, as it can
     * no longer be the best.
     */
    private List<FloorReader.Result> sweep(String size, FloorReader floor, long rows) throws Exception {
        List<FloorReader.Result> results = new ArrayList<>();
        List<Integer> descending = parallelisms.stream().sorted(Comparator.reverseOrder()).toList();
        Duration limit = null;
        for (String strategy : List.of("id ranges", "page numbers")) {
            for (int parallelism : descending) {
                FloorReader.Result result = measureFloor(floor, strategy, parallelism, rows, limit);
                results.add(result);
                log(size + ": floor sweep " + describe(result));
                if (result.rows() == rows) {
                    Duration candidate = Duration.ofNanos(Math.round(result.nanos() * floorCut));
                    if (limit == null || candidate.compareTo(limit) < 0) {
                        limit = candidate;
                    }
                }
            }
        }
        return results;
    }

    private static FloorReader.Result measureFloor(FloorReader reader, String strategy, int parallelism, long rows, Duration limit)
            throws Exception {
        FloorReader.Result result = strategy.equals("page numbers") ? reader.pageNumbers(parallelism, limit)
                : reader.idRanges(parallelism, limit);
        if (result.rows() != rows && !result.cut()) {
            throw new IllegalStateException("floor " + strategy + " p=" + parallelism + " read " + result.rows() + " rows, expected " + rows);
        }
        return result;
    }

    // ------------------------------------------------------------------ exports

    private ExportRun export(Child child, Variant variant, long rows, List<Long> strapiPids, Path tmp, String label) throws Exception {
        long[] nextReport = {System.nanoTime() + 15_000_000_000L};
        long begun = System.nanoTime();
        double strapiBefore = strapiCpu(strapiPids);
        JsonNode result;
        TmpSampler sampler = new TmpSampler(tmp, tmpSampleMillis, bytes -> {
            long now = System.nanoTime();
            if (now >= nextReport[0]) {
                nextReport[0] = now + 15_000_000_000L;
                log(label + ": running for " + Md.f((now - begun) / 1e9, 0) + " s, " + Md.f(bytes / 1e6, 1) + " MB under its tmpdir");
            }
        });
        try (sampler) {
            result = child.export("scheduled", variant.fields());
        }
        double strapiCpu = strapiCpu(strapiPids) - strapiBefore;
        requireOk(result, rows);
        return new ExportRun(result.path("seconds").asDouble(), result.path("rows").asLong(), result.path("bytes").asLong(),
                result.path("uncompressed_bytes").asLong(), result.path("cpu_seconds").asDouble(), strapiCpu,
                sampler.peak(), sampler.left(), sampler.samples(), result.path("path").asText());
    }

    private static void requireOk(JsonNode result, long rows) {
        if (result.path("status").asInt() != 200 || (rows >= 0 && result.path("rows").asLong() != rows)) {
            throw new IllegalStateException("export failed or incomplete: " + result);
        }
    }

    private JsonNode heapProbe(String format, long rows) throws Exception {
        Path tmp = Files.createTempDirectory("bench-heap-tmp-");
        try {
            ProcessBuilder builder = new ProcessBuilder(childCommand(HeapProbe.class, List.of("-Xmx256m", "-XX:+UseSerialGC"), tmp));
            builder.environment().putAll(childEnv());
            builder.environment().put("BENCH_DATE_RANGE", ALL_RANGE);
            builder.environment().put("BENCH_WARMUP_RANGE", PROBE_RANGE);
            builder.environment().put("BENCH_FORMAT", format);
            builder.environment().put("BENCH_SAMPLE_MS", "200");
            BenchMain.Child child = BenchMain.Child.run(builder, "HEAP ", Duration.ofMinutes(30));
            if (child.marked() == null) {
                List<String> lines = child.output().lines().filter(line -> !line.isBlank()).toList();
                throw new IllegalStateException("heap probe printed no figures; its last line: "
                        + (lines.isEmpty() ? "(none)" : lines.get(lines.size() - 1)) + "\n" + child.output());
            }
            JsonNode heap = Json.MAPPER.readTree(child.marked().substring("HEAP ".length()));
            if (heap.path("status").asInt() != 200 || heap.path("rows").asLong() != rows) {
                throw new IllegalStateException("heap probe export failed: " + heap);
            }
            return heap;
        } finally {
            deleteTree(tmp);
        }
    }

    /** A child JVM on the export function's classpath as Lambda gives it (the benchmark's classes first), its own tmpdir. */
    private static List<String> childCommand(Class<?> main, List<String> flags, Path tmp) throws IOException {
        String classes = Path.of(System.getProperty("bench.classes", "bench/target/classes")).toAbsolutePath().toString();
        String file = System.getProperty("bench.cp.export");
        if (file == null) {
            throw new IllegalStateException("-Dbench.cp.export (a classpath file written by bench/run.sh) is not set");
        }
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(flags);
        command.add("-Djava.io.tmpdir=" + tmp);
        command.addAll(List.of("-cp", classes + java.io.File.pathSeparator + Files.readString(Path.of(file)).trim(), main.getName()));
        return command;
    }

    private Map<String, String> childEnv() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("BENCH_STRAPI_URL", strapi.url().toString());
        env.put("BENCH_STRAPI_TOKEN", strapi.apiToken());
        env.put("BENCH_S3", s3.endpoint().toString());
        env.put("BENCH_S3_ACCESS_KEY", LocalS3.ACCESS_KEY);
        env.put("BENCH_S3_SECRET_KEY", LocalS3.SECRET_KEY);
        env.put("BENCH_PARALLELISM", Integer.toString(exportParallelism));
        env.put("BENCH_HANDLER_LOG", logDir.resolve("bench-large-child-handler-log.jsonl").toAbsolutePath().toString());
        env.put("AWS_ENDPOINT_URL", moto.endpoint().toString());
        env.put("AWS_REGION", "us-east-1");
        env.put("AWS_ACCESS_KEY_ID", LocalS3.ACCESS_KEY);
        env.put("AWS_SECRET_ACCESS_KEY", LocalS3.SECRET_KEY);
        env.put("AWS_EC2_METADATA_DISABLED", "true");
        return env;
    }

    /** The long-lived export JVM: one command line in, one RESULT line out; its other output goes to a log file. */
    static final class Child implements AutoCloseable {
        private final Process process;
        private final BufferedReader output;
        private final Writer input;
        private final PrintStream log;

        private Child(Process process, PrintStream log) {
            this.process = process;
            this.log = log;
            this.output = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            this.input = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        }

        static Child start(List<String> command, Map<String, String> env, Path logFile) throws IOException {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
            builder.environment().keySet().removeIf(name -> name.startsWith("AWS_") || name.equals("JAVA_TOOL_OPTIONS"));
            builder.environment().putAll(env);
            Child child = new Child(builder.start(), new PrintStream(Files.newOutputStream(logFile), true, StandardCharsets.UTF_8));
            child.await("READY");
            return child;
        }

        JsonNode export(String entry, ObjectNode fields) throws IOException {
            ObjectNode command = Json.MAPPER.createObjectNode().put("entry", entry);
            command.set("fields", fields);
            input.write(command + "\n");
            input.flush();
            return Json.MAPPER.readTree(await("RESULT ").substring("RESULT ".length()));
        }

        private String await(String marker) throws IOException {
            for (String line = output.readLine(); line != null; line = output.readLine()) {
                log.println(line);
                if (line.startsWith(marker)) {
                    return line;
                }
            }
            throw new IllegalStateException("the export JVM ended without " + marker.trim() + " (see its log)");
        }

        @Override
        public void close() {
            try {
                input.write("\n");
                input.flush();
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (IOException | InterruptedException e) {
                process.destroyForcibly();
            }
            log.close();
        }
    }

    // ------------------------------------------------------------------ CPU

    /** Strapi's node process (a child of this JVM whose command line says strapi). */
    private static List<Long> strapiPids() {
        List<Long> pids = ProcessHandle.current().descendants()
                .filter(process -> process.info().commandLine().orElse("").contains("strapi"))
                .map(ProcessHandle::pid).toList();
        if (pids.isEmpty()) {
            throw new IllegalStateException("no Strapi process found among this JVM's descendants");
        }
        return pids;
    }

    /** CPU seconds of Strapi's processes (and any children they have or reaped). */
    private static double strapiCpu(List<Long> pids) {
        double seconds = 0;
        for (long pid : pids) {
            seconds += CpuWatch.processSeconds(pid);
            for (ProcessHandle child : ProcessHandle.of(pid).map(handle -> handle.descendants().toList()).orElse(List.of())) {
                seconds += CpuWatch.processSeconds(child.pid());
            }
        }
        return seconds;
    }

    // ------------------------------------------------------------------ report

    private void writeReport(String startedAt, String loadBefore, String loadAfter, List<SizeResult> results) throws IOException {
        SizeResult smallest = results.get(0);
        SizeResult largest = results.get(results.size() - 1);
        List<String> verdicts = new ArrayList<>();
        StringBuilder body = new StringBuilder();

        // 1. export ÷ floor
        body.append("## 1. Export ÷ fetch floor\n\n")
                .append("Each size: a floor sweep of one run per strategy and parallelism (id ranges first; a run that passes ")
                .append(Md.f(floorCut, 2)).append("× the best complete run so far is cut, as it can no longer be the best), then the best ")
                .append("floor and the exports in turn (floor, CSV, JSON")
                .append(results.stream().anyMatch(r -> r.gzip() == null) ? ", CSV with gzip" : "")
                .append(", floor, ...), ").append(runs).append(" times; ratio = export median ÷ floor median. The target (≤ ")
                .append(Md.f(RATIO_TARGET, 2)).append(") applies at 1 000 000 extra rows.\n\n");
        for (SizeResult result : results) {
            Md sweep = new Md("strategy", "parallelism", "requests", "seconds", "rows/s", "");
            for (FloorReader.Result floor : result.sweep()) {
                boolean cut = floor.rows() != result.rows();
                sweep.row(floor.strategy(), floor.parallelism(), floor.requests(),
                        cut ? "> " + Md.f(floor.seconds(), 2) + " (cut after " + floor.rows() + " rows)" : Md.f(floor.seconds(), 2),
                        cut ? "< " + Md.thousands(floor.rowsPerSecond()) : Md.thousands(floor.rowsPerSecond()),
                        floor == result.best() ? "**best**" : "");
            }
            body.append("### Floor sweep, ").append(Md.thousands(result.seed())).append(" extra rows (").append(result.rows())
                    .append(" rows): GET + Jackson parse of every page, same filters and populate as the export\n\n").append(sweep).append('\n');
        }
        Md ratios = new Md("extra rows", "rows", "export", "file MB", "export runs (s)", "export median s", "rows/s",
                "floor (" + "best of sweep) runs (s)", "floor median s", "export ÷ floor", "target ≤ " + Md.f(RATIO_TARGET, 2));
        for (SizeResult result : results) {
            for (var entry : result.exports().entrySet()) {
                List<Double> seconds = entry.getValue().stream().map(ExportRun::seconds).toList();
                double median = Md.median(seconds);
                double ratio = median / result.floorMedian();
                String verdict = result.seed() == TARGET_SIZE ? (ratio <= RATIO_TARGET ? "met" : "**not met**") : (ratio <= RATIO_TARGET ? "within" : "above") + " (the target applies at 1 000 000)";
                boolean reference = result == largest && results.stream().noneMatch(r -> r.seed() == TARGET_SIZE);
                if (result.seed() == TARGET_SIZE || reference) {
                    verdicts.add("Export ÷ floor at " + result.rows() + " rows, " + entry.getKey() + ": " + Md.f(median, 2) + " s ÷ "
                            + Md.f(result.floorMedian(), 2) + " s = " + Md.f(ratio, 2) + " (target ≤ " + Md.f(RATIO_TARGET, 2) + "): "
                            + (reference ? (ratio <= RATIO_TARGET ? "within" : "above")
                                    + " it, for reference only: the target applies at 1 000 000 extra rows, not measured in this run" : verdict));
                }
                ratios.row(Md.thousands(result.seed()), result.rows(), entry.getKey(), Md.f(entry.getValue().get(0).bytes() / 1e6, 1),
                        Md.list(seconds, 2), Md.f(median, 2), Md.thousands(result.rows() / median),
                        Md.list(result.floors().stream().map(run -> run.result().seconds()).toList(), 2), Md.f(result.floorMedian(), 2),
                        Md.f(ratio, 2), verdict);
            }
        }
        body.append("### Exports against the best floor, measured in turn\n\n")
                .append("Exports: the all-campaigns export, request fields `").append(Variant.of("csv", "csv|json", null).fields())
                .append("` (plus `\"compression\":\"gzip\"` for the gzip row), run through the worker's scheduled entry point ")
                .append("(`ExportWorkerHandler.handleScheduledExport`: the same plan and run as an admin's request, every campaign, with 15 ")
                .append("minutes of Lambda time instead of the API path's 27 s), `STRAPI_PARALLELISM=").append(exportParallelism)
                .append("`, page size 100; timed from the call to its answer with the link (pages, spool, file, upload to S3Proxy, presigning). ")
                .append("The export runs in a JVM of its own (`").append(String.join(" ", exportJvm))
                .append("`, the function's classpath), S3Proxy in the benchmark's.\n\n").append(ratios).append('\n');
        for (SizeResult result : results) {
            if (result.gzip() != null) {
                body.append("CSV with `\"compression\":\"gzip\"` at ").append(Md.thousands(result.seed())).append(" extra rows: ")
                        .append(result.gzip()).append(".\n\n");
            }
        }
        if (results.stream().allMatch(r -> r.gzip() != null)) {
            verdicts.add("CSV with gzip: " + largest.gzip());
        }

        // 2. /tmp
        Md tmp = new Md("extra rows", "rows", "export", "file MB (uncompressed)", "file MB (as stored)", "peak tmp MB per run",
                "peak tmp ÷ file", "left behind after the export MB", "samples per run", "target ≤ " + Md.f(TMP_TARGET, 1));
        for (SizeResult result : results) {
            for (var entry : result.exports().entrySet()) {
                long peak = entry.getValue().stream().mapToLong(ExportRun::tmpPeak).max().orElse(0);
                long file = entry.getValue().get(0).uncompressedBytes();
                double ratio = (double) peak / file;
                String verdict = ratio <= TMP_TARGET ? "met" : "**not met**";
                verdicts.add("Peak /tmp ÷ file at " + result.rows() + " rows, " + entry.getKey() + ": " + Md.f(peak / 1e6, 1) + " MB ÷ "
                        + Md.f(file / 1e6, 1) + " MB = " + Md.f(ratio, 2) + " (target ≤ " + Md.f(TMP_TARGET, 1) + "): " + verdict);
                tmp.row(Md.thousands(result.seed()), result.rows(), entry.getKey(), Md.f(file / 1e6, 1),
                        Md.f(entry.getValue().get(0).bytes() / 1e6, 1),
                        Md.list(entry.getValue().stream().map(run -> run.tmpPeak() / 1e6).toList(), 1), Md.f(ratio, 2),
                        Md.list(entry.getValue().stream().map(run -> run.tmpLeft() / 1e6).toList(), 1),
                        String.join(", ", entry.getValue().stream().map(run -> Integer.toString(run.tmpSamples())).toList()), verdict);
            }
        }
        body.append("## 2. Peak /tmp against the file\n\n")
                .append("The export JVM's `java.io.tmpdir` is a fresh folder that holds nothing else (the export's temporary root, ")
                .append("`SharedParts`); every ").append(tmpSampleMillis).append(" ms, while each export of section 1 runs, the benchmark's JVM ")
                .append("sums the sizes of the files under it, recursively (`TmpSampler`); the largest sum is the peak. It is set against the ")
                .append("size of the file the export produced, uncompressed (a gzip file is read back from S3 and inflated, after the timing). ")
                .append("A burst shorter than the sampling period can be missed. Target ≤ ").append(Md.f(TMP_TARGET, 1))
                .append(" (SnapStart caps Lambda's /tmp at 512 MB).\n\n").append(tmp).append('\n');

        // 3. CPU
        Md cpuTable = new Md("extra rows", "rows", "export", "export JVM CPU s, runs", "export JVM CPU s per 100 000 rows (median)",
                "Strapi CPU s, runs", "Strapi CPU s per 100 000 rows (median)", "export ÷ Strapi CPU", "both, cores over the export's wall time");
        for (SizeResult result : results) {
            double floorStrapi = Md.median(result.floors().stream().map(FloorRun::strapiCpu).toList());
            for (var entry : result.exports().entrySet()) {
                double exportCpu = Md.median(entry.getValue().stream().map(ExportRun::exportCpu).toList());
                double strapiCpu = Md.median(entry.getValue().stream().map(ExportRun::strapiCpu).toList());
                double seconds = Md.median(entry.getValue().stream().map(ExportRun::seconds).toList());
                cpuTable.row(Md.thousands(result.seed()), result.rows(), entry.getKey(),
                        Md.list(entry.getValue().stream().map(ExportRun::exportCpu).toList(), 1), Md.f(exportCpu * 100_000 / result.rows(), 2),
                        Md.list(entry.getValue().stream().map(ExportRun::strapiCpu).toList(), 1), Md.f(strapiCpu * 100_000 / result.rows(), 2),
                        Md.f(exportCpu / strapiCpu, 2),
                        Md.f((exportCpu + strapiCpu) / seconds, 2));
            }
            cpuTable.row(Md.thousands(result.seed()), result.rows(), "(floor: " + result.best().strategy() + ", p=" + result.best().parallelism() + ")",
                    "—", "—", Md.list(result.floors().stream().map(FloorRun::strapiCpu).toList(), 1),
                    Md.f(floorStrapi * 100_000 / result.rows(), 2), "—", "—");
        }
        for (var entry : largest.exports().entrySet()) {
            double exportPer = Md.median(entry.getValue().stream().map(ExportRun::exportCpu).toList()) * 100_000 / largest.rows();
            double strapiPer = Md.median(entry.getValue().stream().map(ExportRun::strapiCpu).toList()) * 100_000 / largest.rows();
            verdicts.add("CPU per 100 000 rows at " + largest.rows() + " rows, " + entry.getKey() + ": export JVM " + Md.f(exportPer, 2)
                    + " s, Strapi " + Md.f(strapiPer, 2) + " s (export ÷ Strapi " + Md.f(exportPer / strapiPer, 2)
                    + "; below 1, Strapi is the larger cost)");
        }
        body.append("## 3. CPU: the export's JVM against Strapi, same exports\n\n")
                .append("Per export of section 1: the export JVM's process CPU time over the export (`OperatingSystemMXBean.getProcessCpuTime` ")
                .append("in that JVM, which runs nothing else: every thread, JIT compiler and GC included), and Strapi's node process CPU ")
                .append("(utime + stime from `/proc/<pid>/stat`) over the same interval. S3Proxy (the upload's other end) runs in the ")
                .append("benchmark's JVM and is not counted. \"Export ÷ Strapi\" below 1: Strapi spends more CPU on the rows than the export ")
                .append("does, so with a Strapi that much faster the export would still not be the bottleneck at equal CPU. The floor row is ")
                .append("Strapi's CPU while the best floor reads the same rows, for scale. The export JVM was warmed up (an export of ")
                .append("about 10 % of the rows per format) before the first run; what JIT work is left shows as a first run above the second.\n\n").append(cpuTable).append('\n');

        // 4. heap
        Md heapTable = new Md("extra rows", "rows", "format", "export s (with forced GCs)", "forced full GCs", "baseline live MB",
                "peak live MB", "peak live above baseline MB", "pool peaks incl. garbage MB");
        for (SizeResult result : results) {
            for (var entry : result.heap().entrySet()) {
                JsonNode heap = entry.getValue();
                if (heap.has("probe_failed")) {
                    heapTable.row(Md.thousands(result.seed()), result.rows(), entry.getKey(), "failed: " + heap.path("probe_failed").asText(),
                            "", "", "", "", "");
                    continue;
                }
                heapTable.row(Md.thousands(result.seed()), heap.path("rows").asLong(), entry.getKey(), heap.path("seconds").asText(),
                        heap.path("samples").asInt(), heap.path("baseline_live_mb").asText(), heap.path("peak_live_mb").asText(),
                        heap.path("peak_live_above_baseline_mb").asText(), heap.path("peak_pools_incl_garbage_mb").asText());
            }
        }
        Md heapRatios = new Md("format", "peak live at " + largest.rows() + " ÷ at " + smallest.rows() + " rows", "above baseline, ratio",
                "target ≤ " + Md.f(HEAP_TARGET, 1));
        boolean heapTargetSizes = smallest.seed() == 100_000 && largest.seed() == TARGET_SIZE;
        if (results.size() > 1) {
            for (String format : heapFormats) {
                JsonNode small = smallest.heap().get(format);
                JsonNode large = largest.heap().get(format);
                if (small.has("probe_failed") || large.has("probe_failed")) {
                    verdicts.add("Peak live heap, " + format + ": **not measured** (a heap probe failed, see section 4)");
                    heapRatios.row(format, "—", "—", "not measured");
                    continue;
                }
                double ratio = large.path("peak_live_mb").asDouble() / small.path("peak_live_mb").asDouble();
                double above = large.path("peak_live_above_baseline_mb").asDouble()
                        / Math.max(0.1, small.path("peak_live_above_baseline_mb").asDouble());
                String verdict = !heapTargetSizes ? (ratio <= HEAP_TARGET ? "met at these sizes (applies at 1 000 000 ÷ 100 000)"
                        : "not met at these sizes (applies at 1 000 000 ÷ 100 000)") : ratio <= HEAP_TARGET ? "met" : "**not met**";
                verdicts.add("Peak live heap " + largest.rows() + " ÷ " + smallest.rows() + " rows, " + format + ": " + Md.f(ratio, 2)
                        + " (target ≤ " + Md.f(HEAP_TARGET, 1) + "): " + verdict);
                heapRatios.row(format, Md.f(ratio, 2), Md.f(above, 2), verdict);
            }
        }
        body.append("## 4. Peak live heap, each export in a fresh JVM\n\n")
                .append("`HeapProbe` as in RESULTS.md's section 3, on the export function's classpath: `-Xmx256m -XX:+UseSerialGC`; after ")
                .append("a one-day warm-up export and a `System.gc()` baseline, a full GC every 200 ms while the all-campaigns export runs ")
                .append("(scheduled entry point); the heap used after each is what the export holds live; the largest is the peak live heap. ")
                .append("The forced collections slow the export, so its time here is not comparable with section 1.\n\n")
                .append(heapTable).append('\n').append(results.size() > 1 ? heapRatios + "\n" : "");

        StringBuilder text = new StringBuilder();
        text.append("# Benchmark results, large profile (issue 15: exports of any size)\n\n")
                .append("Written by `BENCH_PROFILE=large bench/run.sh` (`com.onboardingexport.bench.LargeMain`); see `bench/README.md` ")
                .append("for what each figure means.\n\n")
                .append("- Command: `").append(command).append("`\n")
                .append("- Date: ").append(startedAt).append(" (run took ").append(Md.f((System.nanoTime() - started) / 60e9, 1)).append(" min)\n")
                .append("- Code: ").append(BenchMain.codeVersion()).append('\n')
                .append("- Machine: `nproc` = ").append(Runtime.getRuntime().availableProcessors()).append(", ").append(BenchMain.cpuModel())
                .append("; Linux ").append(System.getProperty("os.version")).append('\n')
                .append("- Memory (`free -h`):\n\n```\n").append(BenchMain.shell("free", "-h")).append("```\n\n")
                .append("- Java (benchmark and child JVMs): ").append(System.getProperty("java.vm.name")).append(' ')
                .append(System.getProperty("java.runtime.version")).append(" (Lambda runs java21)\n")
                .append("- Strapi: @strapi/strapi ").append(BenchMain.strapiVersion()).append(", node ").append(BenchMain.shell("node", "--version").trim())
                .append(", SQLite, `strapi start`, one process, a fresh one per size: ");
        text.append(String.join("; ", results.stream().map(r -> r.rows() + " responses (seed + SEED_RESPONSES=" + r.seed() + ", started and seeded in "
                + Md.f(r.strapiStartSeconds(), 1) + " s: `" + r.seedLine() + "`)").toList())).append('\n')
                .append("- Load (`uptime`): before ").append(loadBefore).append("; after ").append(loadAfter)
                .append(". 2 cores shared by Strapi (node), the export JVM, the benchmark JVM (S3Proxy, floor reader) and, possibly, ")
                .append("other engineers' builds. CPU used per phase, in cores (from /proc: the benchmark's process tree, Strapi included, ")
                .append("against everything else on the machine):\n\n")
                .append(BenchMain.cpuTable(cpu)).append('\n')
                .append("## Targets\n\n");
        verdicts.forEach(verdict -> text.append("- ").append(verdict).append('\n'));
        text.append('\n').append(body);
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, text.toString());
    }

    // ------------------------------------------------------------------ helpers

    private static String describe(FloorReader.Result result) {
        return result.strategy() + " p=" + result.parallelism() + " " + result.rows() + " rows in " + Md.f(result.seconds(), 2)
                + " s = " + Md.thousands(result.rowsPerSecond()) + " rows/s (" + result.requests() + " requests)" + (result.cut() ? ", cut" : "");
    }

    private static String describe(ExportRun run, long rows) {
        return run.rows() + " rows, " + Md.f(run.uncompressedBytes() / 1e6, 1) + " MB in " + Md.f(run.seconds(), 2) + " s = "
                + Md.thousands(rows / run.seconds()) + " rows/s; CPU export " + Md.f(run.exportCpu(), 1) + " s, Strapi "
                + Md.f(run.strapiCpu(), 1) + " s; peak tmp " + Md.f(run.tmpPeak() / 1e6, 1) + " MB (" + run.tmpSamples() + " samples)";
    }

    private void log(String message) {
        System.out.println("[bench-large " + Md.f((System.nanoTime() - started) / 1e9, 0) + " s] " + message);
        System.out.flush();
    }

    private static List<Integer> ints(String text) {
        return Arrays.stream(text.split("[,\\s]+")).filter(word -> !word.isBlank()).map(Integer::parseInt).toList();
    }

    private static List<String> words(String text) {
        return Arrays.stream(text.trim().split("\\s+")).filter(word -> !word.isBlank()).toList();
    }

    private static void deleteTree(Path root) {
        try (var paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException ignored) {
            // a temp folder left behind is harmless
        }
    }

    private synchronized void closeParts() {
        if (strapi != null) {
            strapi.close();
            strapi = null;
        }
        if (moto != null) {
            moto.close();
            moto = null;
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
}
