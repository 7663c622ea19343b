package com.onboardingexport.it.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.onboardingexport.export.api.ExportHandler;
import com.onboardingexport.export.lifecycle.ExportEvents;
import com.onboardingexport.export.worker.ExportWorkerHandler;
import com.onboardingexport.it.RealParts;
import com.onboardingexport.local.lambda.LocalLambdaContext;
import com.onboardingexport.local.services.LocalMoto;
import com.onboardingexport.local.template.ProjectRoot;
import com.onboardingexport.shared.Json;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * Pins the export function's outputs byte for byte against the golden files under
 * {@code src/test/resources/contracts/}: the API's answers (with their status and headers), the
 * files in each format, the stored status, the events, a schedule's high-water mark, the
 * idempotency record and the running place, for one export of each kind (synchronous in every
 * format and option, background, scheduled, failed, refused) on responses of fixed values made here
 * in a month no other test uses (March 2019).
 *
 * <p>Only what differs from run to run is replaced, before comparing, by a named placeholder
 * ({@link Normaliser}): export, request and write ids, the responses' Strapi ids, times of the run,
 * the query string of a presigned link, the local servers' addresses. Everything else compares
 * exactly. A change meant to alter a contract re-records the files with
 * {@code mvn verify -pl integration-tests -am -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=ContractsIT -Dcontracts.record=true},
 * and the diff of the golden files shows what changed.
 */
class ContractsIT {
    private static final ExportFixture FIXTURE = new ExportFixture();
    private static final boolean RECORD = Boolean.getBoolean("contracts.record");
    private static final Path GOLDEN = ProjectRoot.find().resolve("integration-tests/src/test/resources/contracts");
    private static final String RANGE = "2019-03-01/2019-03-31";
    /** A user of these tests only, so the idempotency record and the running places listed are theirs. */
    private static final String USER = "7301";
    private static final String SCHEDULE = "contracts-daily";
    private static final String TICK = "2019-04-01T06:00:00Z";

    private static final Normaliser NORMALISER = new Normaliser();
    private static final List<String> CREATED = new ArrayList<>();
    private static final Map<String, JsonNode> RECEIVED = new HashMap<>();
    private static String acme;
    private static String campaign;
    private static LocalMoto.Queue events;

    @BeforeAll
    static void createTheResponses() throws Exception {
        RealParts parts = FIXTURE.parts;
        acme = parts.strapi.get("/api/clients?filters[name][$eq]=Acme%20Corp").path("data").get(0).path("documentId").asText();
        campaign = parts.strapi.get("/api/campaigns?sort[0]=id:asc&filters[client][documentId][$eq]=" + acme).path("data").get(0)
                .path("documentId").asText();
        events = parts.moto.routeEventsToQueue(ExportEvents.SOURCE, "contracts-events-" + UUID.randomUUID().toString().substring(0, 8));
        NORMALISER.literal(parts.s3.endpoint().toString().replaceAll("/$", ""), "<s3-endpoint>");
        NORMALISER.literal(parts.strapi.url().toString().replaceAll("/$", ""), "<strapi-url>");

        respond("contracts-alice", "2019-03-05T08:15:00Z", """
                {"company":"Alice & Co, Ltd.","nps":9,"score":4.75,"newsletter":true,"goals":["grow","hire"],\
                "address":{"city":"Zürich","zip":"8001"},"note":"said \\"hello\\"\\nthen left","empty":null}""");
        respond("contracts-bob", "2019-03-12T23:59:59Z", """
                {"company":"Bob; Builders","nps":0,"score":-1.5,"newsletter":false,"goals":[],"big":12345678901234,\
                "note":"=SUM(A1:A2)","emoji":"🚀 ünïcödé"}""");
        respond("contracts-carol", "2019-03-28T12:00:00.500Z", """
                {"company":"Carol\\tTabs","nps":10,"goals":["retain",{"kind":"nested","level":2}],"tags":{"a":{"b":{"c":"deep"}}}}""");
    }

    private static void respond(String name, String submittedAt, String answers) {
        String id = FIXTURE.parts.strapi.createResponseRaw(campaign, name, Instant.parse(submittedAt), answers);
        CREATED.add(id);
        NORMALISER.literal(id, "<response-id:" + name + ">");
        // Strapi's numeric id counts every response created before, by any test of this JVM.
        long strapiId = FIXTURE.parts.strapi.get("/api/campaign-onboarding-responses?filters[documentId][$eq]=" + id)
                .path("data").get(0).path("id").asLong();
        NORMALISER.literal("\"id\":" + strapiId + ",\"documentId\"", "\"id\":<strapi-id:" + name + ">,\"documentId\"");
    }

    @AfterAll
    static void deleteTheResponses() {
        CREATED.forEach(FIXTURE.parts.strapi::deleteResponse);
    }

    @Test
    @DisplayName("synchronous exports: the 200 answer, the file, the stored status and the event, in each format and option")
    void synchronousExports() throws Exception {
        ExportHandler handler = FIXTURE.handler();
        Map<String, String> bodies = new LinkedHashMap<>();
        bodies.put("sync-csv-bom-semicolon", "{\"campaign_ids\":[\"" + campaign + "\"],\"date_range\":\"" + RANGE
                + "\",\"file_format\":\"csv\",\"csv\":{\"bom\":true,\"delimiter\":\";\"},\"mode\":\"sync\"}");
        bodies.put("sync-csv-tab", "{\"campaign_ids\":[\"" + campaign + "\"],\"date_range\":\"" + RANGE
                + "\",\"file_format\":\"csv\",\"csv\":{\"delimiter\":\"\\t\"},\"mode\":\"sync\"}");
        bodies.put("sync-csv-gzip", "{\"campaign_ids\":[\"" + campaign + "\"],\"date_range\":\"" + RANGE
                + "\",\"file_format\":\"csv\",\"compression\":\"gzip\",\"mode\":\"sync\"}");
        bodies.put("sync-csv-fields", "{\"campaign_ids\":[\"" + campaign + "\"],\"date_range\":\"" + RANGE
                + "\",\"fields\":[\"answers.company\",\"progress\",\"answers.goals.0\",\"answers.address\",\"answers.nope\"],\"mode\":\"sync\"}");
        bodies.put("sync-xlsx", "{\"campaign_ids\":[\"" + campaign + "\"],\"date_range\":\"2019-03-01T00:00:00Z/2019-04-01T00:00:00Z\""
                + ",\"file_format\":\"xlsx\",\"mode\":\"sync\"}");
        bodies.put("sync-json", "{\"campaign_ids\":[\"" + campaign + "\"],\"date_range\":\"" + RANGE
                + "\",\"timezone\":\"Europe/Zurich\",\"file_format\":\"json\",\"mode\":\"sync\"}");

        for (Map.Entry<String, String> export : bodies.entrySet()) {
            String name = export.getKey();
            APIGatewayProxyRequestEvent request = ExportFixture.request(USER, "admin", "", export.getValue());
            APIGatewayProxyResponseEvent answer = FIXTURE.send(handler, request);
            assertEquals(200, answer.getStatusCode(), answer.getBody());
            JsonNode body = Json.MAPPER.readTree(answer.getBody());
            String exportId = body.path("export_id").asText();
            exportId(exportId, name);
            NORMALISER.literal(request.getRequestContext().getRequestId(), "<request-id:" + name + ">");
            byte[] file = FIXTURE.download(body.path("download_url").asText()).body();
            check(name + ".answer.txt", sized(answer(answer), file));
            if (name.equals("sync-xlsx")) {
                check(name + ".file.xml.txt", xlsxParts(file));
            } else if (name.equals("sync-csv-gzip")) {
                check(name + ".file.csv.gz.txt", gzipParts(file));
            } else {
                check(name + ".file." + (name.equals("sync-json") ? "json" : "csv"), NORMALISER.apply(new String(file, StandardCharsets.UTF_8)));
            }
            check(name + ".status.json", sized(stored("status/" + exportId + ".json"), file));
            check(name + ".event.json", sized(event(exportId), file));
        }
    }

    @Test
    @DisplayName("a background export: the 202, the stored status and places while it runs, the idempotency record, the status once succeeded, its answer and event")
    void backgroundExport() throws Exception {
        List<JsonNode> started = new ArrayList<>();
        ExportHandler handler = FIXTURE.recordingHandler(started);
        APIGatewayProxyRequestEvent request = ExportFixture.request(USER, "admin", "", "{\"campaign_ids\":[\"" + campaign
                + "\"],\"date_range\":\"" + RANGE + "\",\"file_format\":\"json\",\"mode\":\"async\"}");
        Map<String, String> headers = new HashMap<>(request.getHeaders());
        headers.put("Idempotency-Key", "contracts-background-1");
        request.withHeaders(headers);
        APIGatewayProxyResponseEvent accepted = FIXTURE.send(handler, request);
        assertEquals(202, accepted.getStatusCode(), accepted.getBody());
        String exportId = Json.MAPPER.readTree(accepted.getBody()).path("export_id").asText();
        exportId(exportId, "async");
        NORMALISER.literal(request.getRequestContext().getRequestId(), "<request-id:async>");
        check("async.answer-202.txt", answer(accepted));
        assertEquals(1, started.size());
        check("async.status-running.json", stored("status/" + exportId + ".json"));
        check("async.status-answer-running.txt", answer(FIXTURE.send(handler, statusRequest(exportId, "async-status-running"))));
        check("async.places-running.txt", objects("running/user-" + USER + "/") + objects("idempotency/user-" + USER + "/"));
        check("async.job-event.json", NORMALISER.apply(started.get(0).toString()));

        ExportFixture.runJob(FIXTURE.worker(), started.get(0), Duration.ofMinutes(2));
        JsonNode status = Json.MAPPER.readTree(FIXTURE.send(handler, statusRequest(exportId, "async-status-link")).getBody());
        byte[] file = FIXTURE.download(status.path("download_url").asText()).body();
        check("async.file.json", NORMALISER.apply(new String(file, StandardCharsets.UTF_8)));
        check("async.status-succeeded.json", sized(stored("status/" + exportId + ".json"), file));
        check("async.status-answer-succeeded.txt", sized(answer(FIXTURE.send(handler, statusRequest(exportId, "async-status-succeeded"))), file));
        check("async.places-succeeded.txt", objects("running/user-" + USER + "/") + objects("idempotency/user-" + USER + "/"));
        check("async.event.json", sized(event(exportId), file));
    }

    @Test
    @DisplayName("a scheduled export (one since_last_run tick): the worker's answer, the stored status, the event, the high-water mark, the file")
    void scheduledExport() throws Exception {
        ObjectNode tick = Json.MAPPER.createObjectNode()
                .put("schedule_name", SCHEDULE)
                .put("scheduled_time", TICK)
                .put("client_id", acme)
                .put("date_range", "since_last_run")
                .put("first_run", "last_30_days")
                .put("file_format", "csv");
        tick.putArray("campaign_ids");
        String answer = invokeWorker(FIXTURE.worker(), tick.toString());
        String exportId = Json.MAPPER.readTree(answer).path("export_id").asText();
        exportId(exportId, "scheduled");
        check("scheduled.answer.json", NORMALISER.apply(answer));
        check("scheduled.status.json", stored("status/" + exportId + ".json"));
        check("scheduled.event.json", event(exportId));
        check("scheduled.marks.txt", objects("schedules/" + SCHEDULE + "/"));

        // Nothing of 2019 is new since a mark (rows count by updatedAt): a schedule of a fixed range writes a file.
        ObjectNode fixedRange = tick.deepCopy().put("schedule_name", SCHEDULE + "-range").put("date_range", RANGE);
        fixedRange.remove("first_run");
        String rangeAnswer = invokeWorker(FIXTURE.worker(), fixedRange.toString());
        String rangeId = Json.MAPPER.readTree(rangeAnswer).path("export_id").asText();
        exportId(rangeId, "scheduled-range");
        byte[] file = FIXTURE.download(FIXTURE.link(rangeId)).body();
        check("scheduled-range.file.csv", NORMALISER.apply(new String(file, StandardCharsets.UTF_8)));
        check("scheduled-range.answer.json", sized(NORMALISER.apply(rangeAnswer), file));
        check("scheduled-range.status.json", sized(stored("status/" + rangeId + ".json"), file));
        check("scheduled-range.event.json", sized(event(rangeId), file));
    }

    @Test
    @DisplayName("failures: a background export whose Strapi is down, a schedule that finds nothing, a refused request")
    void failures() throws Exception {
        // Strapi down for the worker: a port nothing listens on.
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        Map<String, String> downEnv = FIXTURE.env(java.net.URI.create("http://127.0.0.1:" + closedPort), RealParts.BUCKET);
        NORMALISER.literal("http://127.0.0.1:" + closedPort, "<strapi-down-url>");
        NORMALISER.literal("127.0.0.1:" + closedPort, "<strapi-down-host>");
        ExportWorkerHandler downWorker = FIXTURE.worker(downEnv, Clock.systemUTC());
        List<JsonNode> started = new ArrayList<>();
        ExportHandler handler = FIXTURE.recordingHandler(started);
        APIGatewayProxyRequestEvent request = ExportFixture.request(USER, "admin", "", "{\"campaign_ids\":[\"" + campaign
                + "\"],\"date_range\":\"" + RANGE + "\",\"file_format\":\"csv\",\"mode\":\"async\"}");
        APIGatewayProxyResponseEvent accepted = FIXTURE.send(handler, request);
        assertEquals(202, accepted.getStatusCode(), accepted.getBody());
        String exportId = Json.MAPPER.readTree(accepted.getBody()).path("export_id").asText();
        exportId(exportId, "async-strapi-down");
        NORMALISER.literal(request.getRequestContext().getRequestId(), "<request-id:async-strapi-down>");
        // The run fails (Lambda's failure record then goes to the failure function); its status is closed already.
        RuntimeException thrown = org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class,
                () -> ExportFixture.runJob(downWorker, started.get(0), Duration.ofMinutes(2)));
        check("failed-strapi-down.thrown.txt", NORMALISER.apply(thrown.getClass().getName() + ": " + thrown.getMessage() + "\n"));
        check("failed-strapi-down.status.json", stored("status/" + exportId + ".json"));
        check("failed-strapi-down.status-answer.txt", answer(FIXTURE.send(handler, statusRequest(exportId, "failed-strapi-down-status"))));
        check("failed-strapi-down.event.json", event(exportId));

        ObjectNode empty = Json.MAPPER.createObjectNode()
                .put("schedule_name", "contracts-empty")
                .put("scheduled_time", TICK)
                .put("client_id", acme)
                .put("date_range", "2001-01-01/2001-01-31")
                .put("file_format", "xlsx");
        String noData = invokeWorker(FIXTURE.worker(), empty.toString());
        String failedId = Json.MAPPER.readTree(noData).path("export_id").asText();
        if (!failedId.isEmpty()) {
            exportId(failedId, "scheduled-no-data");
        }
        check("failed-no-data-scheduled.answer.json", NORMALISER.apply(noData));
        assertTrue(!failedId.isEmpty(), "the failed tick names its export: " + noData);
        check("failed-no-data-scheduled.status.json", stored("status/" + failedId + ".json"));
        check("failed-no-data-scheduled.event.json", event(failedId));

        refused("refused-400-format", "{\"file_format\":\"pdf\"}");
        refused("refused-400-not-json", "{\"date_range\":");
        refused("refused-404-no-data", "{\"campaign_ids\":[\"" + campaign + "\"],\"date_range\":\"2001-01-01/2001-01-31\",\"mode\":\"sync\"}");
        refused("refused-404-unknown-status", null);
    }

    /**
     * An export's text with its {@code size_bytes} as the placeholder {@code <size of the file>},
     * once checked to be the downloaded file's length: a compressed file's size, and a JSON file's
     * (Strapi's numeric ids), vary with the ids of the run.
     */
    private static String sized(String text, byte[] file) {
        String size = "\"size_bytes\":" + file.length;
        assertTrue(text.contains(size), "size_bytes is the file's length, " + file.length + ": " + text);
        return text.replace(size, "\"size_bytes\":<size of the file>");
    }

    /** An export id, and the first 8 characters of it that its file name ends with. */
    private static void exportId(String exportId, String name) {
        NORMALISER.literal(exportId, "<export-id:" + name + ">");
        NORMALISER.literal("-" + exportId.substring(0, 8) + ".", "-<export-id-start:" + name + ">.");
    }

    private static void refused(String name, String body) throws Exception {
        APIGatewayProxyRequestEvent request = body == null
                ? ExportFixture.statusRequest(USER, "admin", "", "00000000-0000-0000-0000-000000000000")
                : ExportFixture.request(USER, "admin", "", body);
        NORMALISER.literal(request.getRequestContext().getRequestId(), "<request-id:" + name + ">");
        APIGatewayProxyResponseEvent answer = FIXTURE.send(FIXTURE.handler(), request);
        assertTrue(answer.getStatusCode() >= 400, answer.getBody());
        check(name + ".answer.txt", answer(answer));
    }

    private static APIGatewayProxyRequestEvent statusRequest(String exportId, String name) {
        APIGatewayProxyRequestEvent request = ExportFixture.statusRequest(USER, "admin", "", exportId);
        NORMALISER.literal(request.getRequestContext().getRequestId(), "<request-id:" + name + ">");
        return request;
    }

    /** Runs a schedule's input through the worker's Lambda entry point; its answer as written. */
    private static String invokeWorker(ExportWorkerHandler worker, String input) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        worker.handleRequest(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)), out,
                new LocalLambdaContext(Duration.ofMinutes(5)));
        return out.toString(StandardCharsets.UTF_8);
    }

    /** An answer as API Gateway sends it: its status, its headers (sorted by name), its body. */
    private static String answer(APIGatewayProxyResponseEvent answer) {
        StringBuilder text = new StringBuilder("HTTP ").append(answer.getStatusCode()).append('\n');
        new TreeMap<>(answer.getHeaders() == null ? Map.<String, String>of() : answer.getHeaders())
                .forEach((name, value) -> text.append(name).append(": ").append(value).append('\n'));
        if (answer.getMultiValueHeaders() != null) {
            new TreeMap<>(answer.getMultiValueHeaders())
                    .forEach((name, values) -> text.append(name).append(": ").append(values).append(" (multi)\n"));
        }
        return NORMALISER.apply(text.append('\n').append(answer.getBody()).append('\n').toString());
    }

    /** An object of the bucket, its bytes as stored. */
    private static String stored(String key) {
        try (S3Client s3 = FIXTURE.parts.s3.client()) {
            return NORMALISER.apply(s3.getObjectAsBytes(b -> b.bucket(RealParts.BUCKET).key(key)).asUtf8String());
        }
    }

    /** Every object under a prefix: its key and its bytes as stored, in key order. */
    private static String objects(String prefix) {
        StringBuilder text = new StringBuilder();
        try (S3Client s3 = FIXTURE.parts.s3.client()) {
            List<String> keys = s3.listObjectsV2Paginator(b -> b.bucket(RealParts.BUCKET).prefix(prefix)).contents().stream()
                    .map(S3Object::key).sorted().toList();
            text.append("== ").append(prefix).append(" (").append(keys.size()).append(" objects)\n");
            for (String key : keys) {
                text.append("-- ").append(key).append('\n')
                        .append(s3.getObjectAsBytes(b -> b.bucket(RealParts.BUCKET).key(key)).asUtf8String()).append('\n');
            }
        }
        return NORMALISER.apply(text.toString());
    }

    /** The export's event from the queue routed from the bus: its source, detail-type and detail, as delivered. */
    private static String event(String exportId) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        try (SqsClient sqs = FIXTURE.parts.moto.sqs()) {
            while (!RECEIVED.containsKey(exportId) && System.nanoTime() < deadline) {
                for (Message message : sqs.receiveMessage(b -> b.queueUrl(events.url()).maxNumberOfMessages(10).waitTimeSeconds(1)).messages()) {
                    JsonNode event = Json.MAPPER.readTree(message.body());
                    // Deleted once read: a message not deleted comes back after the queue's visibility timeout.
                    sqs.deleteMessage(b -> b.queueUrl(events.url()).receiptHandle(message.receiptHandle()));
                    assertTrue(RECEIVED.put(event.path("detail").path("export_id").asText(), event) == null, "one event per export: " + event);
                }
            }
        }
        JsonNode event = RECEIVED.get(exportId);
        assertNotNull(event, "no event for " + exportId);
        ObjectNode kept = Json.MAPPER.createObjectNode();
        kept.set("source", event.path("source"));
        kept.set("detail-type", event.path("detail-type"));
        kept.set("detail", event.path("detail"));
        return NORMALISER.apply(kept.toString());
    }

    /** An XLSX's parts but its document properties (which hold the time it was written): each entry's name and text, in zip order. */
    private static String xlsxParts(byte[] xlsx) throws IOException {
        StringBuilder text = new StringBuilder();
        Path file = Files.createTempFile("contracts-", ".xlsx");
        try {
            Files.write(file, xlsx);
            try (ZipFile zip = new ZipFile(file.toFile())) {
                for (ZipEntry entry : java.util.Collections.list(zip.entries())) {
                    text.append("== ").append(entry.getName()).append('\n');
                    if (!entry.getName().equals("docProps/core.xml")) {
                        try (var in = zip.getInputStream(entry)) {
                            text.append(new String(in.readAllBytes(), StandardCharsets.UTF_8)).append('\n');
                        }
                    }
                }
            }
        } finally {
            Files.deleteIfExists(file);
        }
        return NORMALISER.apply(text.toString());
    }

    /** A gzip file: its 10-byte header (hex) and its text. */
    private static String gzipParts(byte[] gzip) throws IOException {
        StringBuilder header = new StringBuilder();
        for (int i = 0; i < 10; i++) {
            header.append(String.format("%02x", gzip[i]));
        }
        try (var in = new java.util.zip.GZIPInputStream(new ByteArrayInputStream(gzip))) {
            return NORMALISER.apply("gzip header: " + header + "\n" + new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    private static void check(String name, String actual) throws IOException {
        Path file = GOLDEN.resolve(name);
        if (RECORD) {
            Files.createDirectories(GOLDEN);
            Files.writeString(file, actual);
            return;
        }
        assertTrue(Files.exists(file), name + " is not recorded: run with -Dcontracts.record=true");
        assertEquals(Files.readString(file), actual, name);
    }

    /**
     * Replaces what differs from run to run by named placeholders: the values this test learns (ids,
     * addresses) where they appear, then a presigned link's query string, write ids, and the times
     * of the run (any ISO instant from 2025 on: the responses' own times are of 2019, and stay).
     */
    static final class Normaliser {
        private static final Pattern QUERY = Pattern.compile("(<s3-endpoint>/[^\"?\\s]*)\\?[^\"\\s]*");
        private static final Pattern RUN_IDS = Pattern.compile("(\"(write_id|worker_request_id)\"\\s*:\\s*\")[^\"]*(\")");
        private static final Pattern FILENAME_TIME = Pattern.compile("(onboarding-export-)\\d{8}T\\d{4}Z-");
        private static final Pattern UUID_LEFT = Pattern.compile("\\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\\b");
        private static final Pattern INSTANT = Pattern.compile("\\b(\\d{4})-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(?:\\.\\d+)?Z");
        private final Map<String, String> literals = new LinkedHashMap<>();

        synchronized void literal(String value, String placeholder) {
            if (value != null && !value.isEmpty()) {
                literals.putIfAbsent(value, placeholder);
            }
        }

        synchronized String apply(String text) {
            String result = text;
            List<Map.Entry<String, String>> longestFirst = new ArrayList<>(literals.entrySet());
            longestFirst.sort(Comparator.comparingInt((Map.Entry<String, String> e) -> e.getKey().length()).reversed());
            for (Map.Entry<String, String> literal : longestFirst) {
                result = result.replace(literal.getKey(), literal.getValue());
            }
            result = QUERY.matcher(result).replaceAll("$1?<presigned-query>");
            result = RUN_IDS.matcher(result).replaceAll("$1<$2>$3");
            result = FILENAME_TIME.matcher(result).replaceAll("$1<time-of-run>-");
            result = UUID_LEFT.matcher(result).replaceAll("<other-uuid>");
            Matcher instant = INSTANT.matcher(result);
            StringBuilder out = new StringBuilder();
            while (instant.find()) {
                boolean ofTheRun = Integer.parseInt(instant.group(1)) >= 2025;
                instant.appendReplacement(out, ofTheRun ? "<time-of-run>" : Matcher.quoteReplacement(instant.group()));
            }
            return instant.appendTail(out).toString();
        }
    }
}
