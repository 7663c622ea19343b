package com.onboardingexport.it.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.onboardingexport.export.lifecycle.ExportEvents;
import com.onboardingexport.export.api.ExportHandler;
import com.onboardingexport.export.worker.ExportWorkerHandler;
import com.onboardingexport.it.RealParts;
import com.onboardingexport.local.faults.StrapiFaultProxy;
import com.onboardingexport.local.lambda.LocalLambdaContext;
import com.onboardingexport.local.services.LocalMoto;
import com.onboardingexport.local.template.ProjectRoot;
import com.onboardingexport.shared.Json;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.apache.poi.ss.usermodel.Cell;
import org.apache.poi.ss.usermodel.Row;
import org.apache.poi.xssf.usermodel.XSSFSheet;
import org.apache.poi.xssf.usermodel.XSSFWorkbook;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * Responses that cannot be read whole, created in the real Strapi through its own REST API: answers
 * nested 2,000 deep, a 60,000-character key, a 5 MB answer. Each is exported degraded (its id, time,
 * campaign and client, and {@code row_error}), every other row exactly as in the export made before
 * they existed, in CSV, XLSX and JSON, synchronously, in the background and on a schedule whose mark
 * moves past them. The rows are deleted afterwards, so no other test meets them.
 */
class PoisonRowsIT {
    private static final ExportFixture FIXTURE = new ExportFixture();
    /** Seeded responses over two pages and more (the dev seed spreads 400 over 2026). */
    private static final String RANGE = "2026-01-01/2026-06-30";
    private static final List<String> FORMATS = List.of("csv", "xlsx", "json");
    private static final List<String> CREATED = new ArrayList<>();
    /** documentId → the row_error each poison response must have. */
    private static final Map<String, String> POISON = new LinkedHashMap<>();
    private static final Map<String, Instant> SUBMITTED = new HashMap<>();
    private static final Map<String, byte[]> BEFORE = new HashMap<>();
    private static final Map<String, JsonNode> BEFORE_ANSWERS = new HashMap<>();
    private static String acme;
    private static String acmeCampaign;
    /** A campaign of another client: rows made here stay out of the Acme schedule's runs. */
    private static String otherCampaign;
    private static ObjectNode schedule;
    private static LocalMoto.Queue events;
    private static final Map<String, JsonNode> RECEIVED = new HashMap<>();

    @BeforeAll
    static void createThePoison() throws Exception {
        RealParts parts = FIXTURE.parts;
        acme = parts.strapi.get("/api/clients?filters[name][$eq]=Acme%20Corp").path("data").get(0).path("documentId").asText();
        acmeCampaign = parts.strapi.get("/api/campaigns?filters[client][documentId][$eq]=" + acme).path("data").get(0)
                .path("documentId").asText();
        otherCampaign = parts.strapi.get("/api/campaigns?filters[client][documentId][$ne]=" + acme).path("data").get(0)
                .path("documentId").asText();
        events = parts.moto.routeEventsToQueue(ExportEvents.SOURCE, "poison-events-" + UUID.randomUUID().toString().substring(0, 8));

        // A since_last_run schedule of Acme's responses, run once before the poison exists: its mark is now.
        schedule = (ObjectNode) Json.MAPPER.readTree(Files.readAllBytes(ProjectRoot.find().resolve("events/scheduled-export-incremental.json")));
        assertEquals(acme, schedule.path("client_id").asText());
        schedule.put("schedule_name", "poison-" + UUID.randomUUID().toString().substring(0, 8));
        assertEquals("succeeded", scheduled().path("status").asText());

        ExportHandler handler = FIXTURE.handler();
        for (String format : FORMATS) {
            JsonNode answer = ExportFixture.ok(FIXTURE.send(handler, ExportFixture.admin(request(format, "sync"))));
            assertTrue(answer.path("rows_degraded").isMissingNode(), "absent when every row was read whole: " + answer);
            BEFORE_ANSWERS.put(format, answer);
            BEFORE.put(format, FIXTURE.download(answer.path("download_url").asText()).body());
        }

        poison("answers nested 2,000 deep", Instant.parse("2026-02-14T09:00:00Z"),
                "{\"deep\":" + "[".repeat(2_000) + "\"bottom\"" + "]".repeat(2_000) + "}", "answers: nested deeper than 64 levels");
        poison("a 60,000-character key", Instant.parse("2026-03-15T09:30:00Z"),
                "{\"" + "k".repeat(60_000) + "\":\"value\",\"fine\":1}", "answers: a key longer than 1,000 characters");
        poison("a 5 MB answer", Instant.parse("2026-05-01T10:00:00Z"),
                "{\"story\":\"" + "ç".repeat(2_500_000) + "\"}", "answers: a text longer than 1,000,000 characters");
    }

    private static void poison(String name, Instant submittedAt, String answers, String problem) {
        String id = FIXTURE.parts.strapi.createResponseRaw(acmeCampaign, name, submittedAt, answers);
        CREATED.add(id);
        POISON.put(id, problem);
        SUBMITTED.put(id, submittedAt);
    }

    @AfterAll
    static void deleteThePoison() {
        CREATED.forEach(FIXTURE.parts.strapi::deleteResponse);
    }

    private static String request(String format, String mode) {
        return "{\"date_range\":\"" + RANGE + "\",\"file_format\":\"" + format + "\",\"mode\":\"" + mode + "\"}";
    }

    private static JsonNode scheduled() throws Exception {
        ExportWorkerHandler worker = FIXTURE.worker();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        // Each call a tick of its own.
        worker.handleRequest(new ByteArrayInputStream(ExportFixture.newTick(schedule).toString().getBytes(StandardCharsets.UTF_8)), out,
                new LocalLambdaContext(Duration.ofMinutes(5)));
        return Json.MAPPER.readTree(out.toByteArray());
    }

    @Test
    @DisplayName("CSV: each poison response is a row of its id, time, campaign, client and row_error; every other row is byte for byte the row of the export without them, plus one empty cell; the synchronous export's status and event say rows_degraded 3")
    void csv() throws Exception {
        JsonNode answer = exportAgain("csv");
        String exportId = answer.path("export_id").asText();
        JsonNode status = ExportFixture.ok(FIXTURE.send(FIXTURE.handler(), ExportFixture.statusRequest("1", "admin", "", exportId)));
        assertEquals(3, status.path("rows_degraded").asInt(), status.toString());
        JsonNode event = eventOf(exportId);
        assertNotNull(event, "the synchronous export's event");
        assertEquals(3, event.path("detail").path("rows_degraded").asInt(), event.toString());
        String before = new String(BEFORE.get("csv"), StandardCharsets.UTF_8);
        String after = new String(FIXTURE.download(answer.path("download_url").asText()).body(), StandardCharsets.UTF_8);
        Map<String, String> beforeLines = lines(before);
        Map<String, String> afterLines = lines(after);
        String beforeHeader = before.substring(0, before.indexOf("\r\n"));
        assertEquals(beforeHeader + ",row_error", after.substring(0, after.indexOf("\r\n")), "the header gains row_error, last");
        assertEquals(beforeLines.size() + 3, afterLines.size());
        beforeLines.forEach((id, line) -> assertEquals(line.substring(0, line.length() - 2) + ",\r\n", afterLines.get(id),
                "response " + id + ": its row, and an empty row_error"));

        List<CSVRecord> records = records(after);
        for (Map.Entry<String, String> poison : POISON.entrySet()) {
            CSVRecord row = records.stream().filter(r -> r.get("response_id").equals(poison.getKey())).findFirst().orElseThrow();
            assertEquals(SUBMITTED.get(poison.getKey()).toString().replace("Z", ".000Z"), row.get("submitted_at"));
            assertEquals(acmeCampaign, row.get("campaign_id"));
            assertEquals(acme, row.get("client_id"));
            assertEquals("Acme Corp", row.get("client_name"));
            assertFalse(row.get("campaign_name").isEmpty());
            assertEquals(poison.getValue(), row.get("row_error"));
            for (int i = 6; i < row.size() - 1; i++) {
                assertEquals("", row.get(i), "no field of its own: " + records.get(0).getParser().getHeaderNames().get(i));
            }
        }
    }

    @Test
    @DisplayName("XLSX: every other row's cells are those of the export without them; the poison rows hold their identity and row_error only")
    void xlsx() throws Exception {
        JsonNode answer = exportAgain("xlsx");
        Map<String, List<String>> before = sheet(BEFORE.get("xlsx"));
        Map<String, List<String>> after = sheet(FIXTURE.download(answer.path("download_url").asText()).body());
        List<String> header = after.get("");
        assertEquals(before.get(""), header.subList(0, header.size() - 1));
        assertEquals("row_error", header.get(header.size() - 1));
        assertEquals(before.size() + 3, after.size());
        before.forEach((id, cells) -> {
            if (!id.isEmpty()) {
                List<String> expected = new ArrayList<>(cells);
                while (expected.size() < header.size()) {
                    expected.add("BLANK:");
                }
                assertEquals(expected, after.get(id), "response " + id);
            }
        });
        for (Map.Entry<String, String> poison : POISON.entrySet()) {
            List<String> cells = after.get(poison.getKey());
            assertEquals("STRING:" + acme, cells.get(header.indexOf("client_id")));
            assertEquals("STRING:" + poison.getValue(), cells.get(header.size() - 1));
            assertTrue(cells.get(header.indexOf("submitted_at")).startsWith("NUMERIC:"), "a date cell");
            for (int i = 6; i < header.size() - 1; i++) {
                assertEquals("BLANK:", cells.get(i), header.get(i));
            }
        }
    }

    @Test
    @DisplayName("JSON: every other response is byte for byte the one of the export without them; a poison response is {documentId, submittedAt, row_error}")
    void json() throws Exception {
        JsonNode answer = exportAgain("json");
        Map<String, String> before = responses(new String(BEFORE.get("json"), StandardCharsets.UTF_8));
        String file = new String(FIXTURE.download(answer.path("download_url").asText()).body(), StandardCharsets.UTF_8);
        JsonNode document = Json.MAPPER.readTree(file);
        assertEquals(3, document.path("export").path("rows_degraded").asInt(), document.path("export").toString());
        Map<String, String> after = responses(file);
        assertEquals(before.size() + 3, after.size());
        before.forEach((id, response) -> assertEquals(response, after.get(id), "response " + id));
        for (Map.Entry<String, String> poison : POISON.entrySet()) {
            ObjectNode expected = Json.MAPPER.createObjectNode().put("documentId", poison.getKey())
                    .put("submittedAt", SUBMITTED.get(poison.getKey()).toString().replace("Z", ".000Z")).put("row_error", poison.getValue());
            assertEquals(expected.toString(), after.get(poison.getKey()));
        }
    }

    @Test
    @DisplayName("in the background: the status (endpoint and stored JSON) and the event say rows_degraded 3")
    void background() throws Exception {
        List<JsonNode> started = new ArrayList<>();
        ExportHandler handler = FIXTURE.recordingHandler(started);
        var accepted = FIXTURE.send(handler, ExportFixture.admin(request("csv", "async")));
        assertEquals(202, accepted.getStatusCode(), accepted.getBody());
        String exportId = FIXTURE.body(accepted).path("export_id").asText();
        ExportFixture.runJob(FIXTURE.worker(), started.get(0), Duration.ofMinutes(5));

        JsonNode status = ExportFixture.ok(FIXTURE.send(handler, ExportFixture.statusRequest("1", "admin", "", exportId)));
        assertEquals("succeeded", status.path("status").asText(), status.toString());
        assertEquals(3, status.path("rows_degraded").asInt(), status.toString());
        assertEquals(BEFORE_ANSWERS.get("csv").path("record_count").asInt() + 3, status.path("record_count").asInt());
        JsonNode stored = Json.MAPPER.readTree(FIXTURE.parts.s3.client()
                .getObjectAsBytes(b -> b.bucket(RealParts.BUCKET).key("status/" + exportId + ".json")).asByteArray());
        assertEquals(3, stored.path("result").path("rows_degraded").asInt(), stored.toString());

        JsonNode event = eventOf(exportId);
        assertNotNull(event, "the export's event");
        assertEquals(ExportEvents.SUCCEEDED, event.path("detail-type").asText());
        assertEquals(3, event.path("detail").path("rows_degraded").asInt(), event.toString());
    }

    @Test
    @DisplayName("a since_last_run schedule covering them succeeds with the three degraded, and its mark moves past them: the next run has nothing new")
    void scheduleMovesItsMark() throws Exception {
        Instant beforeRun = Instant.now();
        JsonNode run = scheduled();
        assertEquals("succeeded", run.path("status").asText(), run.toString());
        assertEquals(3, run.path("record_count").asInt(), "exactly the responses new since the last run: " + run);
        assertEquals(3, run.path("rows_degraded").asInt(), run.toString());
        JsonNode event = eventOf(run.path("export_id").asText());
        assertNotNull(event, "the scheduled export's event");
        assertEquals(3, event.path("detail").path("rows_degraded").asInt(), event.toString());
        List<CSVRecord> rows = records(new String(FIXTURE.download(FIXTURE.link(run.path("export_id").asText())).body(), StandardCharsets.UTF_8));
        assertEquals(POISON.keySet(), new java.util.HashSet<>(rows.stream().map(r -> r.get("response_id")).toList()));

        List<String> marks = FIXTURE.parts.s3.client().listObjectsV2(b -> b.bucket(RealParts.BUCKET)
                .prefix("schedules/" + schedule.path("schedule_name").asText() + "/")).contents().stream().map(o -> o.key()).toList();
        assertEquals(1, marks.size(), marks::toString);
        JsonNode mark = Json.MAPPER.readTree(FIXTURE.parts.s3.client().getObjectAsBytes(b -> b.bucket(RealParts.BUCKET)
                .key(marks.get(0))).asByteArray());
        assertEquals(run.path("export_id").asText(), mark.path("export_id").asText(), mark.toString());
        assertFalse(Instant.parse(mark.path("exported_until").asText()).isBefore(beforeRun), "past the poison: " + mark);

        JsonNode next = scheduled();
        assertEquals("succeeded", next.path("status").asText(), next.toString());
        assertEquals(0, next.path("record_count").asInt(), next.toString());
    }

    @Test
    @DisplayName("one entry that is not valid JSON (Strapi's page corrupted in flight by a proxy): the page is read again one entry at a time, that response degraded, every other as Strapi sent it")
    void invalidJsonInOneEntry() throws Exception {
        String range = "{\"date_range\":\"2026-07-01/2026-09-30\",\"file_format\":\"json\",\"mode\":\"sync\"}";
        JsonNode clean = ExportFixture.ok(FIXTURE.send(FIXTURE.handler(), ExportFixture.admin(range)));
        Map<String, String> before = responses(new String(FIXTURE.download(clean.path("download_url").asText()).body(), StandardCharsets.UTF_8));
        String target = before.keySet().stream().sorted().skip(before.size() / 2).findFirst().orElseThrow();
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        try (StrapiFaultProxy proxy = StrapiFaultProxy.start(FIXTURE.parts.strapi.url())) {
            proxy.plan((n, path) -> {
                if (!path.contains("campaign-onboarding-responses") || path.contains("fields%5B0%5D")) {
                    return null; // a page of the responses' date fields only is Strapi's own
                }
                try {
                    String page = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(FIXTURE.parts.strapi.url() + path))
                            .header("Authorization", "Bearer " + FIXTURE.parts.strapi.apiToken()).build(),
                            java.net.http.HttpResponse.BodyHandlers.ofString()).body();
                    String id = "\"documentId\":\"" + target + "\"";
                    return page.contains(id) ? new StrapiFaultProxy.Fault(200, page.replace(id, id + ",,"), null) : null;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            ExportHandler viaProxy = FIXTURE.handler(FIXTURE.env(proxy.url(), RealParts.BUCKET), java.time.Clock.systemUTC());
            JsonNode answer = ExportFixture.ok(FIXTURE.send(viaProxy, ExportFixture.admin(range)));
            assertEquals(clean.path("record_count"), answer.path("record_count"));
            assertEquals(1, answer.path("rows_degraded").asInt(), answer.toString());
            Map<String, String> after = responses(new String(FIXTURE.download(answer.path("download_url").asText()).body(), StandardCharsets.UTF_8));
            assertEquals(before.keySet(), after.keySet());
            before.forEach((id, response) -> {
                if (!id.equals(target)) {
                    assertEquals(response, after.get(id), "response " + id);
                }
            });
            JsonNode degraded = Json.MAPPER.readTree(after.get(target));
            assertEquals("the response is not valid JSON", degraded.path("row_error").asText(), degraded.toString());
            assertEquals(Json.MAPPER.readTree(before.get(target)).path("submittedAt"), degraded.path("submittedAt"));
            assertEquals(3, degraded.size(), "documentId, submittedAt, row_error: " + degraded);
        }
    }

    @Test
    @DisplayName("a column name of 40,000 characters (40 keys of 999, within every bound): cut to 1,000 in the CSV and XLSX headers, under the 32,767 an XLSX cell holds; the JSON keeps the keys")
    void longColumnNames() throws Exception {
        StringBuilder answers = new StringBuilder();
        StringBuilder path = new StringBuilder("answers");
        for (int level = 0; level < 40; level++) {
            String key = Character.toString('a' + level % 26).repeat(999);
            answers.append("{\"").append(key).append("\":");
            path.append('.').append(key);
        }
        answers.append("\"found\"").append("}".repeat(40));
        Instant day = Instant.parse("2003-04-04T12:00:00Z");
        String id = FIXTURE.parts.strapi.createResponseRaw(otherCampaign, "long path", day, answers.toString());
        CREATED.add(id);
        String range = "\"date_range\":\"2003-04-04/2003-04-04\"";

        JsonNode csv = ExportFixture.ok(FIXTURE.send(FIXTURE.handler(), ExportFixture.admin("{" + range + ",\"file_format\":\"csv\"}")));
        assertTrue(csv.path("rows_degraded").isMissingNode(), "within every bound: " + csv);
        CSVRecord row = records(new String(FIXTURE.download(csv.path("download_url").asText()).body(), StandardCharsets.UTF_8)).stream()
                .filter(r -> r.get("response_id").equals(id)).findFirst().orElseThrow();
        String cut = row.getParser().getHeaderNames().stream().filter(name -> name.startsWith("answers.aaa")).findFirst().orElseThrow();
        assertEquals(1_000, cut.length());
        assertTrue(path.length() > 32_767 && path.toString().startsWith(cut.substring(0, 991)), "the start of the whole path");
        assertEquals("found", row.get(cut));

        JsonNode xlsx = ExportFixture.ok(FIXTURE.send(FIXTURE.handler(), ExportFixture.admin("{" + range + ",\"file_format\":\"xlsx\"}")));
        Map<String, List<String>> sheet = sheet(FIXTURE.download(xlsx.path("download_url").asText()).body());
        for (String name : sheet.get("")) {
            assertTrue(name.length() <= 32_767, "an XLSX cell holds at most 32,767 characters");
        }
        assertTrue(sheet.get("").contains(cut), "the same name as in the CSV");
        assertEquals("STRING:found", sheet.get(id).get(sheet.get("").indexOf(cut)));

        JsonNode json = ExportFixture.ok(FIXTURE.send(FIXTURE.handler(), ExportFixture.admin("{" + range + ",\"file_format\":\"json\"}")));
        String file = new String(FIXTURE.download(json.path("download_url").asText()).body(), StandardCharsets.UTF_8);
        assertTrue(file.contains("{\"answers\":" + answers) || file.contains("\"answers\":" + answers), "the answers as stored");
    }

    private static JsonNode exportAgain(String format) throws Exception {
        JsonNode answer = ExportFixture.ok(FIXTURE.send(FIXTURE.handler(), ExportFixture.admin(request(format, "sync"))));
        assertEquals(BEFORE_ANSWERS.get(format).path("record_count").asInt() + 3, answer.path("record_count").asInt(), answer.toString());
        assertEquals(3, answer.path("rows_degraded").asInt(), answer.toString());
        return answer;
    }

    /** Each data row's raw text (CRLF included) by its response_id. */
    private static Map<String, String> lines(String csv) throws Exception {
        Map<String, String> lines = new HashMap<>();
        List<CSVRecord> records = records(csv);
        for (int i = 0; i < records.size(); i++) {
            long start = records.get(i).getCharacterPosition();
            long end = i + 1 < records.size() ? records.get(i + 1).getCharacterPosition() : csv.length();
            String previous = lines.put(records.get(i).get("response_id"), csv.substring((int) start, (int) end));
            assertTrue(previous == null, "one row per response");
        }
        return lines;
    }

    private static List<CSVRecord> records(String csv) throws Exception {
        try (CSVParser parser = CSVParser.parse(new StringReader(csv), CSVFormat.RFC4180.builder().setHeader().get())) {
            return parser.getRecords();
        }
    }

    /** The sheet's rows by response_id (the header under ""), each cell as its type and value. */
    private static Map<String, List<String>> sheet(byte[] xlsx) throws Exception {
        Map<String, List<String>> rows = new HashMap<>();
        try (XSSFWorkbook workbook = new XSSFWorkbook(new ByteArrayInputStream(xlsx))) {
            XSSFSheet sheet = workbook.getSheetAt(0);
            int columns = sheet.getRow(0).getLastCellNum();
            for (Row row : sheet) {
                List<String> cells = new ArrayList<>();
                for (int c = 0; c < columns; c++) {
                    Cell cell = row.getCell(c);
                    cells.add(cell == null ? "BLANK:" : switch (cell.getCellType()) {
                        case NUMERIC -> "NUMERIC:" + cell.getNumericCellValue() + ":" + cell.getCellStyle().getDataFormatString();
                        case BOOLEAN -> "BOOLEAN:" + cell.getBooleanCellValue();
                        case STRING -> "STRING:" + cell.getStringCellValue();
                        default -> cell.getCellType() + ":" + cell;
                    });
                }
                rows.put(row.getRowNum() == 0 ? "" : cells.get(0).replaceFirst("^STRING:", ""), row.getRowNum() == 0
                        ? cells.stream().map(c -> c.replaceFirst("^STRING:", "")).toList() : cells);
            }
        }
        return rows;
    }

    /** Every response of a JSON export ({@code campaigns[].responses[]}), as its exact text in the file, by documentId. */
    private static Map<String, String> responses(String file) throws Exception {
        Map<String, String> responses = new HashMap<>();
        try (JsonParser parser = Json.MAPPER.createParser(file)) {
            for (JsonToken token = parser.nextToken(); token != null; token = parser.nextToken()) {
                JsonStreamContext context = parser.getParsingContext();
                boolean response = token == JsonToken.START_OBJECT && context.getParent() != null && context.getParent().inArray()
                        && "responses".equals(context.getParent().getParent().getCurrentName());
                if (response) {
                    int start = (int) parser.currentTokenLocation().getCharOffset();
                    parser.skipChildren();
                    String text = file.substring(start, (int) parser.currentLocation().getCharOffset());
                    String id = Json.MAPPER.readTree(text).path("documentId").asText();
                    assertTrue(responses.put(id, text) == null, "one response per id");
                }
            }
        }
        assertFalse(responses.isEmpty());
        return responses;
    }

    /** The event of an export, from the queue (every event read is kept, whichever export it is of). */
    private static JsonNode eventOf(String exportId) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        try (SqsClient sqs = FIXTURE.parts.moto.sqs()) {
            while (!RECEIVED.containsKey(exportId) && System.nanoTime() < deadline) {
                for (Message message : sqs.receiveMessage(b -> b.queueUrl(events.url()).maxNumberOfMessages(10).waitTimeSeconds(1)).messages()) {
                    JsonNode event = Json.MAPPER.readTree(message.body());
                    RECEIVED.put(event.path("detail").path("export_id").asText(), event);
                }
            }
        }
        return RECEIVED.get(exportId);
    }
}
