package com.onboardingexport.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.onboardingexport.shared.Json;
import com.onboardingexport.shared.JsonLog;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * Main of the JVM that runs the large profile's exports ({@link LargeMain}): nothing but the export
 * handler (on the function's classpath, with its own {@code java.io.tmpdir}), so that this process's
 * CPU time is the export's, and the files under its temporary folder are the export's.
 * <p>
 * Reads one command per line on stdin, a JSON object:
 * {@code {"entry": "api" | "scheduled", "fields": {request fields}}}; answers each with one line
 * {@code RESULT {...}}: status, rows, bytes, seconds, the JVM's CPU seconds spent during the export
 * ({@code OperatingSystemMXBean.getProcessCpuTime}: every thread, JIT and GC included), and, for a
 * compressed file, its uncompressed size (read back from S3 after the timing). The file is then
 * deleted. An empty line or end of input ends the JVM.
 */
public final class ExportChild {
    private ExportChild() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> env = System.getenv();
        JsonLog.redirect(new PrintStream(Files.newOutputStream(Path.of(env.get("BENCH_HANDLER_LOG"))), true, StandardCharsets.UTF_8));
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        try (ExportRunner runner = new ExportRunner(URI.create(env.get("BENCH_STRAPI_URL")), env.get("BENCH_STRAPI_TOKEN"),
                URI.create(env.get("BENCH_S3")), env.get("BENCH_S3_ACCESS_KEY"), env.get("BENCH_S3_SECRET_KEY"),
                Integer.parseInt(env.getOrDefault("BENCH_PARALLELISM", "4")));
             BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            System.out.println("READY tmpdir=" + System.getProperty("java.io.tmpdir"));
            System.out.flush();
            for (String line = commands.readLine(); line != null && !line.isBlank(); line = commands.readLine()) {
                JsonNode command = Json.MAPPER.readTree(line);
                ObjectNode fields = (ObjectNode) command.path("fields");
                long cpuBefore = os.getProcessCpuTime();
                ExportRunner.Outcome outcome = command.path("entry").asText().equals("api")
                        ? runner.runBody(fields.toString())
                        : runner.runScheduled(fields, "scheduled");
                long cpuNanos = os.getProcessCpuTime() - cpuBefore;
                long uncompressed = outcome.bytes();
                boolean gzip = false;
                if (outcome.ok() && outcome.key() != null && !fields.path("compression").asText("none").equals("none")) {
                    try {
                        uncompressed = uncompressedSize(runner.open(outcome));
                        gzip = true;
                    } catch (java.util.zip.ZipException notGzip) {
                        uncompressed = -1; // asked for compression, got something that is not gzip
                    }
                }
                runner.delete(outcome);
                ObjectNode result = Json.MAPPER.createObjectNode()
                        .put("status", outcome.status())
                        .put("path", outcome.path())
                        .put("rows", outcome.rows())
                        .put("bytes", outcome.bytes())
                        .put("uncompressed_bytes", uncompressed)
                        .put("gzip", gzip)
                        .put("key", outcome.key())
                        .put("seconds", outcome.seconds())
                        .put("cpu_seconds", cpuNanos / 1e9)
                        .put("error", outcome.error());
                System.out.println("RESULT " + result);
                System.out.flush();
            }
        }
        System.exit(0);
    }

    private static long uncompressedSize(InputStream compressed) throws java.io.IOException {
        long total = 0;
        byte[] buffer = new byte[1 << 16];
        try (InputStream in = new GZIPInputStream(compressed, 1 << 16)) {
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                total += n;
            }
        }
        return total;
    }
}
