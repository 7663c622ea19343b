package com.onboardingexport.it.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.onboardingexport.local.gateway.LocalApi;
import com.onboardingexport.local.run.LocalRun;
import com.onboardingexport.local.template.ProjectRoot;
import com.onboardingexport.shared.Json;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Exports bigger than the function's temporary folder, through the local run. The functions' JVMs
 * get a temporary folder that is a tmpfs of a fixed size ({@code JAVA_TOOL_OPTIONS=-Djava.io.tmpdir=…},
 * which Lambda's Java runtime honours too), smaller than the file the export produces: a design that
 * keeps the finished file, or the rows uncompressed, in the temporary folder cannot succeed here.
 * Mounting a tmpfs needs root, which CI has.
 */
class LargeExportIT {
    private static final Path TEMPLATE = ProjectRoot.find().resolve("template.yaml");
    private static final int EXTRA_ROWS = 40_000;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static LocalRun run;
    private static String adminJwt;
    private static long total;
    private LocalApi api;
    private Path mounted;

    @BeforeAll
    static void start() throws Exception {
        run = LocalRun.start(TEMPLATE, 0, 0, Map.of("SEED_RESPONSES", Integer.toString(EXTRA_ROWS)), System.out::println);
        adminJwt = run.login(LocalRun.ADMIN);
        total = run.strapi().get("/api/campaign-onboarding-responses?pagination%5BpageSize%5D=1&pagination%5BwithCount%5D=true")
                .path("meta").path("pagination").path("total").asLong();
        assertTrue(total > EXTRA_ROWS, "Strapi holds the seed and the extra rows: " + total);
    }

    @AfterAll
    static void stop() {
        if (run != null) {
            run.close();
        }
    }

    @AfterEach
    void unmount() throws Exception {
        if (api != null) {
            api.close();
        }
        if (mounted != null) {
            command("umount", mounted.toString());
        }
    }

    /** A tmpfs of {@code megabytes} at {@code dir}, the functions' temporary folder, and the API served with it. */
    private Path tmpfs(Path dir, int megabytes) throws Exception {
        Path tmp = Files.createDirectories(dir.resolve("function-tmp"));
        int exit = command("mount", "-t", "tmpfs", "-o", "size=" + megabytes + "m", "tmpfs", tmp.toString());
        assertEquals(0, exit, "mounting a tmpfs needs root (CI runs as root): mount -t tmpfs -o size=" + megabytes + "m tmpfs " + tmp);
        mounted = tmp;
        api = LocalApi.start(run.apiConfig(TEMPLATE, 0, System.out::println,
                Map.of("JAVA_TOOL_OPTIONS", "-Djava.io.tmpdir=" + tmp)));
        return tmp;
    }

    private static int command(String... command) throws Exception {
        Process process = new ProcessBuilder(command).inheritIO().start();
        assertTrue(process.waitFor(30, TimeUnit.SECONDS), String.join(" ", command));
        return process.exitValue();
    }

    /** A background export (the way large ones run), to its final status. */
    private JsonNode export(String format) throws Exception {
        HttpResponse<String> started = HTTP.send(HttpRequest.newBuilder(api.url().resolve("/exports/onboarding"))
                .header("Authorization", "Bearer " + adminJwt).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"date_range\":\"all_time\",\"file_format\":\"" + format
                        + "\",\"mode\":\"async\"}")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(202, started.statusCode(), started.body());
        URI status = api.url().resolve("/exports/onboarding/" + Json.MAPPER.readTree(started.body()).path("export_id").asText());
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (true) {
            HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(status).header("Authorization", "Bearer " + adminJwt).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, answer.statusCode(), answer.body());
            JsonNode body = Json.MAPPER.readTree(answer.body());
            if (!"running".equals(body.path("status").asText()) || System.nanoTime() > deadline) {
                return body;
            }
            Thread.sleep(500);
        }
    }

    private static byte[] download(JsonNode answer) throws Exception {
        HttpResponse<byte[]> file = HTTP.send(HttpRequest.newBuilder(URI.create(answer.path("download_url").asText())).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, file.statusCode());
        assertEquals(answer.path("size_bytes").asLong(), file.body().length, "the object is the whole file");
        return file.body();
    }

    private static long usedBytes(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(path -> path.toFile().length()).sum();
        }
    }

    private static List<String> objects(String bucket) {
        try (S3Client s3 = run.s3().client()) {
            return s3.listObjectsV2(b -> b.bucket(bucket).prefix("exports/")).contents().stream().map(o -> o.key()).sorted().toList();
        }
    }

    @Test
    @DisplayName("CSV and JSON exports several times the size of the function's temporary folder succeed, and download whole")
    void exportsLargerThanTheTemporaryFolder(@TempDir Path dir) throws Exception {
        int tmpMegabytes = 8;
        Path tmp = tmpfs(dir, tmpMegabytes);

        JsonNode csvBody = export("csv");
        assertEquals("succeeded", csvBody.path("status").asText(), csvBody.toString());
        assertEquals(total, csvBody.path("record_count").asLong());
        byte[] csv = download(csvBody);
        assertTrue(csv.length > tmpMegabytes * 1024L * 1024,
                "the file (" + csv.length + " bytes) is larger than the temporary folder: it never was whole in it");
        List<CSVRecord> records;
        try (CSVParser parser = CSVParser.parse(new InputStreamReader(new java.io.ByteArrayInputStream(csv), StandardCharsets.UTF_8),
                CSVFormat.RFC4180.builder().setHeader().build())) {
            records = parser.getRecords();
        }
        assertEquals(total, records.size(), "every row, once");
        Set<String> ids = new HashSet<>();
        records.forEach(record -> ids.add(record.get("response_id")));
        assertEquals(total, ids.size(), "no row twice");

        JsonNode jsonBody = export("json");
        assertEquals("succeeded", jsonBody.path("status").asText(), jsonBody.toString());
        JsonNode document = Json.MAPPER.readTree(download(jsonBody));
        long responses = 0;
        for (JsonNode campaign : document.path("campaigns")) {
            assertEquals(campaign.path("response_count").asLong(), campaign.path("responses").size());
            responses += campaign.path("responses").size();
        }
        assertEquals(total, responses);
        assertEquals(0, usedBytes(tmp), "the spool is gone once the export is done");
    }

    @Test
    @DisplayName("an export whose rows would not fit even compressed: failed, 507 EXPORT_TOO_LARGE, no object and no upload left behind")
    void exportThatCannotFit(@TempDir Path dir) throws Exception {
        Path tmp = tmpfs(dir, 5); // the spool keeps 4 MB of the folder free: about 1 MB for rows
        String bucket = run.resourceNames().get("ExportBucket");
        List<String> before = objects(bucket);
        JsonNode status = export("csv");
        assertEquals("failed", status.path("status").asText(), status.toString());
        JsonNode error = status.path("error");
        assertEquals("EXPORT_TOO_LARGE", error.path("code").asText());
        assertEquals(507, error.path("status").asInt());
        assertTrue(error.path("message").asText().contains("narrow the date range"), error.toString());
        assertEquals(before, objects(bucket), "no object was added");
        try (S3Client s3 = run.s3().client()) {
            assertEquals(List.of(), s3.listMultipartUploads(b -> b.bucket(bucket)).uploads(), "no upload left open");
        }
        assertEquals(0, usedBytes(tmp), "nothing left in the temporary folder");
    }
}
