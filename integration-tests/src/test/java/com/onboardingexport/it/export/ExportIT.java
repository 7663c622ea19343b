package com.onboardingexport.it.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import static com.onboardingexport.it.export.ExportFixture.error;
import static com.onboardingexport.it.export.ExportFixture.ok;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.onboardingexport.export.api.ExportHandler;
import com.onboardingexport.it.RealParts;
import com.onboardingexport.shared.Json;
import java.io.StringReader;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;

/** The export function against the real Strapi and S3Proxy: each file is downloaded through its link and parsed. */
class ExportIT {
    private final ExportFixture fixture = new ExportFixture();
    private final ExportHandler handler = fixture.handler();

    @Test
    @DisplayName("admin CSV, all time: every row Strapi holds, field by field, over several Strapi pages")
    void adminCsvEqualsStrapi() throws Exception {
        List<JsonNode> expected = fixture.strapiRows("");
        assertTrue(expected.size() > 300, "the seed spans several Strapi pages");

        JsonNode body = ok(fixture.send(handler, ExportFixture.admin("{\"date_range\":\"all_time\",\"file_format\":\"csv\"}")));
        assertEquals(expected.size(), body.path("record_count").asInt());
        assertEquals("csv", body.path("file_format").asText());
        assertEquals("text/csv; charset=utf-8", body.path("content_type").asText());
        assertTrue(body.path("filename").asText().matches("onboarding-export-\\d{8}T\\d{4}Z-[0-9a-f]{8}\\.csv"));

        HttpResponse<byte[]> file = fixture.download(body.path("download_url").asText());
        assertEquals(200, file.statusCode());
        assertEquals(body.path("size_bytes").asLong(), file.body().length);
        assertEquals("attachment; filename=\"" + body.path("filename").asText() + "\"",
                file.headers().firstValue("Content-Disposition").orElse(""));

        List<CSVRecord> records;
        List<String> header;
        try (CSVParser csv = CSVParser.parse(new StringReader(new String(file.body(), StandardCharsets.UTF_8)),
                CSVFormat.RFC4180.builder().setHeader().build())) {
            header = csv.getHeaderNames();
            records = csv.getRecords();
        }
        assertEquals(List.of("response_id", "submitted_at", "campaign_id", "campaign_name", "client_id", "client_name"),
                header.subList(0, 6));
        assertEquals(expected.size(), records.size());

        Map<String, CSVRecord> byId = records.stream().collect(Collectors.toMap(r -> r.get("response_id"), r -> r));
        Set<String> expectedColumns = new HashSet<>();
        for (JsonNode row : expected) {
            CSVRecord record = byId.get(row.path("documentId").asText());
            assertNotNull(record, "row " + row.path("documentId"));
            JsonNode campaign = row.path("campaign");
            assertEquals(row.path("submittedAt").asText(), record.get("submitted_at"));
            assertEquals(campaign.path("documentId").asText(), record.get("campaign_id"));
            assertEquals(spreadsheetSafe(campaign.path("name").asText()), record.get("campaign_name"));
            assertEquals(spreadsheetSafe(campaign.path("client").path("name").asText()), record.get("client_name"));
            Map<String, String> cells = flatten(ownColumns(row));
            expectedColumns.addAll(cells.keySet());
            for (String column : header.subList(6, header.size())) {
                assertEquals(cells.getOrDefault(column, ""), record.get(column),
                        "column " + column + " of " + row.path("documentId"));
            }
        }
        assertEquals(pathOrder(expectedColumns), header.subList(6, header.size()),
                "the header is the union of the response's columns, in path order");
        for (String repeatOrBookkeeping : NOT_COLUMNS) {
            assertFalse(header.subList(6, header.size()).stream().anyMatch(c -> c.equals(repeatOrBookkeeping)
                    || c.startsWith(repeatOrBookkeeping + ".")), repeatOrBookkeeping + " is no column by default");
        }
        assertGroupedByCampaignInIdOrder(records, expected);
        assertFalse(body.has("columns_truncated") || body.has("overflow_column"), "the seed's columns fit the default bound");

        Set<String> cells = records.stream().flatMap(r -> r.toList().stream()).collect(Collectors.toSet());
        for (String seeded : List.of("' =1+1", "'\n@SUM(1)", "'＝1+1", "'  ＋cmd", "'-12.5", "'＠x")) {
            assertTrue(cells.contains(seeded), "the seed's formula-like text is in the file, neutralised: " + seeded);
        }
        assertTrue(records.stream().anyMatch(r -> r.get("answers.balance").equals("-12.5")), "a JSON number stays a number");
    }

    @Test
    @DisplayName("MAX_CSV_COLUMNS: the first columns in path order make the header, each row's other values go whole into overflow_json")
    void columnsPastTheBoundGoToTheOverflowColumn() throws Exception {
        int bound = 12;
        Map<String, String> env = fixture.env(fixture.parts.strapi.url(), RealParts.BUCKET);
        env.put("MAX_CSV_COLUMNS", Integer.toString(bound));
        JsonNode body = ok(fixture.send(fixture.handler(env, Clock.systemUTC()), ExportFixture.admin("{\"date_range\":\"all_time\"}")));
        assertTrue(body.path("columns_truncated").asBoolean(), body.toString());
        assertEquals("overflow_json", body.path("overflow_column").asText());

        List<JsonNode> expected = fixture.strapiRows("");
        Set<String> all = new HashSet<>();
        expected.forEach(row -> all.addAll(leaves(ownColumns(row)).keySet()));
        assertTrue(all.size() > bound + 10, "the seed's answers have many more distinct keys than the bound: " + all.size());

        List<CSVRecord> records;
        List<String> header;
        try (CSVParser csv = CSVParser.parse(new StringReader(new String(
                fixture.download(body.path("download_url").asText()).body(), StandardCharsets.UTF_8)),
                CSVFormat.RFC4180.builder().setHeader().build())) {
            header = csv.getHeaderNames();
            records = csv.getRecords();
        }
        assertEquals(6 + bound + 1, header.size());
        assertEquals(pathOrder(all).subList(0, bound), header.subList(6, 6 + bound), "the first columns in path order");
        assertEquals("overflow_json", header.get(header.size() - 1));

        Map<String, CSVRecord> byId = records.stream().collect(Collectors.toMap(r -> r.get("response_id"), r -> r));
        int rowsWithOverflow = 0;
        for (JsonNode row : expected) {
            CSVRecord record = byId.get(row.path("documentId").asText());
            Map<String, JsonNode> values = leaves(ownColumns(row));
            ObjectNode missing = Json.MAPPER.createObjectNode();
            values.forEach((column, value) -> {
                if (!header.contains(column)) {
                    missing.set(column, value);
                }
            });
            String overflow = record.get("overflow_json");
            if (missing.isEmpty()) {
                assertEquals("", overflow, "row " + row.path("documentId"));
            } else {
                assertEquals(missing, Json.MAPPER.readTree(overflow), "overflow of row " + row.path("documentId"));
                rowsWithOverflow++;
            }
            Map<String, String> cells = flatten(ownColumns(row));
            for (String column : header.subList(6, 6 + bound)) {
                assertEquals(cells.getOrDefault(column, ""), record.get(column), "column " + column + " of " + row.path("documentId"));
            }
        }
        assertTrue(rowsWithOverflow > 300, "most rows have answers past the bound: " + rowsWithOverflow);

        JsonNode json = ok(fixture.send(fixture.handler(env, Clock.systemUTC()), ExportFixture.admin("{\"date_range\":\"all_time\",\"file_format\":\"json\"}")));
        assertFalse(json.has("columns_truncated") || json.has("overflow_column"), "JSON keeps every answer whole: " + json);
    }

    @Test
    @DisplayName("admin JSON: campaigns with their client and responses, each equal to what Strapi holds")
    void adminJsonEqualsStrapi() throws Exception {
        List<JsonNode> expected = fixture.strapiRows("");
        JsonNode body = ok(fixture.send(handler, ExportFixture.admin("{\"date_range\":\"all_time\",\"file_format\":\"json\"}")));
        assertEquals("application/json; charset=utf-8", body.path("content_type").asText());
        JsonNode file = Json.MAPPER.readTree(fixture.download(body.path("download_url").asText()).body());

        assertEquals(body.path("export_id").asText(), file.path("export").path("export_id").asText());
        assertEquals(expected.size(), file.path("export").path("record_count").asInt());
        Map<String, JsonNode> byId = new HashMap<>();
        expected.forEach(row -> byId.put(row.path("documentId").asText(), row));
        int seen = 0;
        for (JsonNode campaign : file.path("campaigns")) {
            assertEquals(campaign.path("responses").size(), campaign.path("response_count").asInt());
            for (JsonNode response : campaign.path("responses")) {
                JsonNode strapiRow = byId.get(response.path("documentId").asText());
                assertNotNull(strapiRow);
                assertEquals(withoutCampaign(strapiRow), response, "response " + response.path("documentId"));
                assertEquals(strapiRow.path("campaign").path("documentId").asText(), campaign.path("id").asText());
                assertEquals(strapiRow.path("campaign").path("name").asText(), campaign.path("name").asText());
                assertEquals(strapiRow.path("campaign").path("client").path("name").asText(),
                        campaign.path("client").path("name").asText());
                seen++;
            }
        }
        assertEquals(expected.size(), seen);
    }

    @Test
    @DisplayName("concurrent id ranges (small pages, several ranges in flight) give the same file as sequential paging")
    void concurrentRangesEqualSequentialPaging() throws Exception {
        Map<String, String> env = fixture.env(fixture.parts.strapi.url(), RealParts.BUCKET);
        env.put("STRAPI_PAGE_SIZE", "10");
        env.put("STRAPI_PARALLELISM", "1");
        byte[] sequential = exportFile(fixture.handler(env, Clock.systemUTC()));
        env.put("STRAPI_PARALLELISM", "4");
        byte[] concurrent = exportFile(fixture.handler(env, Clock.systemUTC()));
        List<CSVRecord> rows = csv(concurrent);
        assertEquals(fixture.strapiRows("").size(), rows.size());
        assertEquals(csv(sequential).stream().map(CSVRecord::toList).toList(), rows.stream().map(CSVRecord::toList).toList());
    }

    private byte[] exportFile(ExportHandler exportHandler) throws Exception {
        JsonNode body = ok(fixture.send(exportHandler, ExportFixture.admin("{\"date_range\":\"all_time\"}")));
        return fixture.download(body.path("download_url").asText()).body();
    }

    @Test
    @DisplayName("the object is private, encrypted, under the requester's prefix, and its link works only with its signature")
    void objectIsStoredPrivately() throws Exception {
        JsonNode body = ok(fixture.send(handler, ExportFixture.request("2", "client", acmeId(), "{\"date_range\":\"all_time\"}")));
        String url = body.path("download_url").asText();
        String key = java.net.URI.create(url).getPath().replaceFirst("^/" + RealParts.BUCKET + "/", "");
        assertTrue(key.startsWith("exports/user-2/" + body.path("export_id").asText() + "/"), key);
        try (S3Client s3 = fixture.parts.s3.client()) {
            HeadObjectResponse head = s3.headObject(b -> b.bucket(RealParts.BUCKET).key(key));
            assertEquals("text/csv; charset=utf-8", head.contentType());
        }
        String unsigned = url.substring(0, url.indexOf('?'));
        assertEquals(403, fixture.download(unsigned).statusCode(), "no anonymous access");
        String tampered = url.replaceFirst("X-Amz-Signature=[0-9a-f]{8}", "X-Amz-Signature=00000000");
        assertEquals(403, fixture.download(tampered).statusCode(), "a tampered signature is refused");
    }

    @Test
    @DisplayName("a client's export holds only its own client's campaigns")
    void clientSeesOnlyItsOwnCampaigns() throws Exception {
        String acme = acmeId();
        List<JsonNode> expected = fixture.strapiRows("filters[campaign][client][documentId][$eq]=" + acme);
        JsonNode body = ok(fixture.send(handler, ExportFixture.request("2", "client", acme, "{\"date_range\":\"all_time\"}")));
        assertEquals(expected.size(), body.path("record_count").asInt());
        List<CSVRecord> records = csv(fixture.download(body.path("download_url").asText()).body());
        assertEquals(expected.size(), records.size());
        for (CSVRecord record : records) {
            assertEquals(acme, record.get("client_id"));
            assertEquals("Acme Corp", record.get("client_name"));
        }
    }

    @Test
    @DisplayName("a client asking for another client's campaign gets 403, which names no data of the other client")
    void clientAskingForForeignCampaignIsForbidden() throws Exception {
        JsonNode globexCampaign = fixture.parts.strapi.get(
                "/api/campaigns?filters[client][name][$eq]=Globex,%20Inc.&fields[0]=name").path("data").get(0);
        String ownCampaign = fixture.parts.strapi.get(
                "/api/campaigns?filters[client][documentId][$eq]=" + acmeId()).path("data").get(0).path("documentId").asText();
        String foreign = globexCampaign.path("documentId").asText();
        APIGatewayProxyResponseEvent response = fixture.send(handler, ExportFixture.request("2", "client", acmeId(),
                "{\"campaign_ids\":[\"" + ownCampaign + "\",\"" + foreign + "\"],\"date_range\":\"all_time\"}"));
        JsonNode error = error(response, 403, "FORBIDDEN");
        assertFalse(error.path("message").asText().contains(globexCampaign.path("name").asText()));
        assertFalse(response.getBody().contains("Globex"));
    }

    @Test
    @DisplayName("ISO dates include both days; ISO instants exclude the end; boundary rows fall on the right side")
    void isoIntervalsSelectExactlyTheRowsInRange() throws Exception {
        String campaign = boundaryCampaignId();
        Set<String> days = submittedTimes(campaign, "2026-01-01/2026-01-31", null);
        assertTrue(days.contains("2026-01-01T00:00:00.000Z"));
        assertTrue(days.contains("2026-01-31T23:59:59.999Z"));
        assertFalse(days.contains("2025-12-31T23:59:59.999Z"));
        assertFalse(days.contains("2026-02-01T00:00:00.000Z"));
        assertEquals(strapiTimes(campaign, Instant.parse("2026-01-01T00:00:00Z"), Instant.parse("2026-02-01T00:00:00Z")), days);

        Set<String> instants = submittedTimes(campaign, "2026-01-01T00:00:00Z/2026-01-31T23:59:59.999Z", null);
        assertTrue(instants.contains("2026-01-01T00:00:00.000Z"));
        assertFalse(instants.contains("2026-01-31T23:59:59.999Z"), "the end instant is excluded");

        Set<String> tokyo = submittedTimes(campaign, "2026-01-01/2026-01-31", "Asia/Tokyo");
        assertTrue(tokyo.contains("2025-12-31T23:59:59.999Z"), "08:59 on 1 January in Tokyo");
        assertFalse(tokyo.contains("2026-01-31T23:59:59.999Z"), "08:59 on 1 February in Tokyo");
        assertEquals(strapiTimes(campaign, Instant.parse("2025-12-31T15:00:00Z"), Instant.parse("2026-01-31T15:00:00Z")), tokyo);
    }

    @Test
    @DisplayName("presets select the rolling window up to now")
    void presetsSelectTheirWindow() throws Exception {
        Instant now = Instant.now();
        ExportHandler fixedClock = fixture.handler(fixture.env(fixture.parts.strapi.url(), RealParts.BUCKET), Clock.fixed(now, ZoneOffset.UTC));
        for (var preset : Map.of("last_7_days", 7, "last_30_days", 30, "last_90_days", 90).entrySet()) {
            JsonNode body = ok(fixture.send(fixedClock, ExportFixture.admin("{\"date_range\":\"" + preset.getKey() + "\"}")));
            Set<String> exported = csv(fixture.download(body.path("download_url").asText()).body()).stream()
                    .map(r -> r.get("response_id")).collect(Collectors.toSet());
            Instant start = now.minus(Duration.ofDays(preset.getValue()));
            Set<String> expected = fixture.strapiRows("").stream()
                    .filter(row -> {
                        Instant at = Instant.parse(row.path("submittedAt").asText());
                        return !at.isBefore(start) && at.isBefore(now);
                    })
                    .map(row -> row.path("documentId").asText()).collect(Collectors.toSet());
            assertEquals(expected, exported, preset.getKey());
        }
    }

    private Set<String> submittedTimes(String campaign, String range, String timezone) throws Exception {
        JsonNode body = ok(fixture.send(handler, ExportFixture.admin("{\"campaign_ids\":[\"" + campaign + "\"],\"date_range\":\"" + range + "\""
                + (timezone == null ? "" : ",\"timezone\":\"" + timezone + "\"") + "}")));
        return csv(fixture.download(body.path("download_url").asText()).body()).stream()
                .map(r -> r.get("submitted_at")).collect(Collectors.toSet());
    }

    private Set<String> strapiTimes(String campaign, Instant from, Instant to) {
        return fixture.strapiRows("filters[campaign][documentId][$eq]=" + campaign).stream()
                .map(row -> row.path("submittedAt").asText())
                .filter(at -> !Instant.parse(at).isBefore(from) && Instant.parse(at).isBefore(to))
                .collect(Collectors.toSet());
    }

    private String acmeId() {
        return fixture.parts.strapi.get("/api/clients?filters[name][$eq]=Acme%20Corp").path("data").get(0).path("documentId").asText();
    }

    /** The campaign that holds the seed's date-boundary rows. */
    private String boundaryCampaignId() {
        return fixture.parts.strapi.get("/api/campaign-onboarding-responses?filters[submittedAt][$eq]=2026-02-01T00:00:00.000Z"
                + "&populate[campaign]=true").path("data").get(0).path("campaign").path("documentId").asText();
    }

    static List<CSVRecord> csv(byte[] bytes) throws Exception {
        try (CSVParser csv = CSVParser.parse(new StringReader(new String(bytes, StandardCharsets.UTF_8)),
                CSVFormat.RFC4180.builder().setHeader().build())) {
            return csv.getRecords();
        }
    }

    private static void assertGroupedByCampaignInIdOrder(List<CSVRecord> records, List<JsonNode> strapiRows) {
        Map<String, Long> idOf = new HashMap<>();
        strapiRows.forEach(row -> idOf.put(row.path("documentId").asText(), row.path("id").asLong()));
        Set<String> finished = new HashSet<>();
        String current = null;
        long lastId = -1;
        for (CSVRecord record : records) {
            String campaign = record.get("campaign_id");
            if (!campaign.equals(current)) {
                assertTrue(finished.add(campaign), "campaign " + campaign + " appears in one block");
                current = campaign;
                lastId = -1;
            }
            long id = idOf.get(record.get("response_id"));
            assertTrue(id > lastId, "ids ascend within a campaign");
            lastId = id;
        }
    }

    static ObjectNode withoutCampaign(JsonNode row) {
        ObjectNode copy = row.deepCopy();
        copy.remove("campaign");
        return copy;
    }

    /** What the leading columns already say (the id and the date) and Strapi's bookkeeping: no column by default. */
    static final List<String> NOT_COLUMNS = List.of("documentId", "submittedAt", "id", "createdAt", "updatedAt", "publishedAt", "locale");

    /** The response's own fields that are columns by default. */
    static ObjectNode ownColumns(JsonNode row) {
        ObjectNode own = withoutCampaign(row);
        own.remove(NOT_COLUMNS);
        return own;
    }

    /** The test's reading of the column order: part by part, array indexes (numbers) first and by value, then names. */
    static List<String> pathOrder(java.util.Collection<String> columns) {
        Comparator<String> part = (a, b) -> {
            boolean numberA = a.matches("\\d+");
            boolean numberB = b.matches("\\d+");
            if (numberA && numberB) {
                return new java.math.BigInteger(a).compareTo(new java.math.BigInteger(b));
            }
            return numberA != numberB ? (numberA ? -1 : 1) : a.compareTo(b);
        };
        Comparator<String> path = (a, b) -> {
            String[] left = a.split("\\.", -1);
            String[] right = b.split("\\.", -1);
            for (int i = 0; i < Math.min(left.length, right.length); i++) {
                int order = part.compare(left[i], right[i]);
                if (order != 0) {
                    return order;
                }
            }
            return Integer.compare(left.length, right.length);
        };
        return columns.stream().sorted(path).toList();
    }

    /** The test's own reading of the CSV contract: dotted paths, indexed arrays, formulas neutralised. */
    static Map<String, String> flatten(JsonNode row) {
        Map<String, String> cells = new LinkedHashMap<>();
        leaves(row).forEach((column, value) -> cells.put(column,
                value.isNull() ? "" : value.isTextual() ? spreadsheetSafe(value.asText()) : value.asText()));
        return cells;
    }

    /** Each leaf value of a row by its dotted column name, as JSON. */
    static Map<String, JsonNode> leaves(JsonNode row) {
        Map<String, JsonNode> leaves = new LinkedHashMap<>();
        leaves("", row, leaves);
        return leaves;
    }

    private static void leaves(String path, JsonNode node, Map<String, JsonNode> leaves) {
        if (node.isObject()) {
            node.fields().forEachRemaining(f -> leaves(path.isEmpty() ? f.getKey() : path + "." + f.getKey(), f.getValue(), leaves));
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                leaves(path + "." + i, node.get(i), leaves);
            }
        } else {
            leaves.put(path, node);
        }
    }

    /** Formula signs (ASCII or fullwidth) first or after leading whitespace, or a tab or CR first: an apostrophe. */
    static String spreadsheetSafe(String text) {
        String rest = text.replaceFirst("^[ \t\r\n]+", "");
        boolean formula = !rest.isEmpty() && "=+-@＝＋－＠".indexOf(rest.charAt(0)) >= 0;
        return formula || text.startsWith("\t") || text.startsWith("\r") ? "'" + text : text;
    }
}
