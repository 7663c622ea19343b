package com.onboardingexport.it.export;

import static com.onboardingexport.it.export.ExportFixture.error;
import static com.onboardingexport.it.export.ExportFixture.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.onboardingexport.export.api.ExportHandler;
import com.onboardingexport.export.format.XlsxExportWriter;
import com.onboardingexport.it.RealParts;
import com.onboardingexport.local.faults.StrapiFaultProxy;
import com.onboardingexport.shared.Json;
import java.io.ByteArrayInputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.apache.poi.ss.usermodel.Cell;
import org.apache.poi.ss.usermodel.CellType;
import org.apache.poi.ss.usermodel.DateUtil;
import org.apache.poi.ss.usermodel.Row;
import org.apache.poi.ss.util.CellReference;
import org.apache.poi.xssf.usermodel.XSSFSheet;
import org.apache.poi.xssf.usermodel.XSSFWorkbook;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The file formats and columns of issue 16 against the real Strapi and S3Proxy: XLSX opened with
 * Apache POI, the Excel-friendly CSV, chosen fields, and the default columns.
 */
class ExportFormatsIT {
    private static final Pattern UTC_INSTANT = Pattern.compile("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?Z");
    private static final List<String> LEADING = List.of("response_id", "submitted_at", "campaign_id", "campaign_name", "client_id", "client_name");

    private final ExportFixture fixture = new ExportFixture();
    private final ExportHandler handler = fixture.handler();

    @Test
    @DisplayName("XLSX, opened with POI: Strapi's rows, the CSV's columns, typed cells, no formula, a frozen and filtered header")
    void xlsxEqualsStrapi() throws Exception {
        List<JsonNode> expected = fixture.strapiRows("");
        JsonNode body = ok(fixture.send(handler, ExportFixture.admin("{\"date_range\":\"all_time\",\"file_format\":\"xlsx\"}")));
        assertEquals("xlsx", body.path("file_format").asText());
        assertEquals("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body.path("content_type").asText());
        assertTrue(body.path("filename").asText().matches("onboarding-export-\\d{8}T\\d{4}Z-[0-9a-f]{8}\\.xlsx"), body.toString());
        assertEquals(expected.size(), body.path("record_count").asInt());
        byte[] bytes = fixture.download(body.path("download_url").asText()).body();
        assertEquals(body.path("size_bytes").asLong(), bytes.length);
        String key = java.net.URI.create(body.path("download_url").asText()).getPath().replaceFirst("^/" + RealParts.BUCKET + "/", "");
        try (S3Client s3 = fixture.parts.s3.client()) {
            assertEquals(body.path("content_type").asText(), s3.headObject(b -> b.bucket(RealParts.BUCKET).key(key)).contentType());
        }
        List<String> csvHeader = csvHeader(csvExport("{\"date_range\":\"all_time\"}"));

        try (XSSFWorkbook workbook = new XSSFWorkbook(new ByteArrayInputStream(bytes))) {
            assertEquals(1, workbook.getNumberOfSheets());
            XSSFSheet sheet = workbook.getSheetAt(0);
            List<String> header = new ArrayList<>();
            sheet.getRow(0).forEach(cell -> header.add(cell.getStringCellValue()));
            assertEquals(csvHeader, header, "the same columns as the CSV");
            assertEquals(expected.size() + 1, sheet.getPhysicalNumberOfRows());
            assertTrue(sheet.getPaneInformation().isFreezePane());
            assertEquals(1, sheet.getPaneInformation().getHorizontalSplitPosition(), "the header row is frozen");
            assertEquals("A1:" + CellReference.convertNumToColString(header.size() - 1) + (expected.size() + 1),
                    sheet.getCTWorksheet().getAutoFilter().getRef(), "an auto-filter over the header and every row");

            Map<String, JsonNode> byId = new HashMap<>();
            expected.forEach(row -> byId.put(row.path("documentId").asText(), row));
            Set<String> seen = new HashSet<>();
            int dates = 0;
            int numbers = 0;
            int booleans = 0;
            int formulaLikeText = 0;
            for (Row row : sheet) {
                for (Cell cell : row) {
                    assertFalse(cell.getCellType() == CellType.FORMULA, "no formula: " + cell.getAddress());
                }
                if (row.getRowNum() == 0) {
                    continue;
                }
                String id = row.getCell(0).getStringCellValue();
                JsonNode strapiRow = byId.get(id);
                assertNotNull(strapiRow, id);
                assertTrue(seen.add(id));
                JsonNode campaign = strapiRow.path("campaign");
                assertEquals(campaign.path("name").asText(), row.getCell(3).getStringCellValue(), "text exactly, no apostrophe");
                assertEquals(campaign.path("client").path("name").asText(), row.getCell(5).getStringCellValue());
                Map<String, JsonNode> values = ExportIT.leaves(ExportIT.ownColumns(strapiRow));
                values.put("submitted_at", strapiRow.path("submittedAt"));
                for (int c = 0; c < header.size(); c++) {
                    if (c != 1 && c < LEADING.size()) {
                        continue;
                    }
                    JsonNode value = values.get(header.get(c));
                    Cell cell = row.getCell(c);
                    String where = header.get(c) + " of " + id;
                    if (value == null || value.isNull()) {
                        assertTrue(cell == null || cell.getCellType() == CellType.BLANK, where);
                    } else if (value.isBoolean()) {
                        assertEquals(CellType.BOOLEAN, cell.getCellType(), where);
                        assertEquals(value.booleanValue(), cell.getBooleanCellValue(), where);
                        booleans++;
                    } else if (value.isNumber()) {
                        assertEquals(CellType.NUMERIC, cell.getCellType(), where);
                        assertEquals(value.doubleValue(), cell.getNumericCellValue(), where);
                        numbers++;
                    } else if (UTC_INSTANT.matcher(value.asText()).matches()) {
                        assertEquals(CellType.NUMERIC, cell.getCellType(), where);
                        assertTrue(DateUtil.isCellDateFormatted(cell), where);
                        assertEquals(LocalDateTime.ofInstant(Instant.parse(value.asText()), ZoneOffset.UTC), cell.getLocalDateTimeCellValue(), where);
                        dates++;
                    } else if (value.asText().length() > XlsxExportWriter.MAX_CELL_CHARS) {
                        assertEquals(CellType.STRING, cell.getCellType(), where);
                        assertTrue(cell.getStringCellValue().endsWith(XlsxExportWriter.CUT_NOTE), where + ": cut to fit (xlsxCutsLongText)");
                    } else {
                        assertEquals(CellType.STRING, cell.getCellType(), where);
                        assertEquals(value.asText(), cell.getStringCellValue(), where);
                        formulaLikeText += value.asText().startsWith("=") ? 1 : 0;
                    }
                }
            }
            assertEquals(expected.size(), seen.size());
            assertTrue(dates >= expected.size(), "every submitted_at is a date cell: " + dates);
            assertTrue(numbers > 100 && booleans > 50 && formulaLikeText > 10,
                    "the seed has numbers, booleans and text starting with =: " + numbers + " " + booleans + " " + formulaLikeText);
        }
    }

    @Test
    @DisplayName("text longer than an XLSX cell holds: cut to 32,767 characters with a note, counted in cells_truncated; the CSV keeps it whole")
    void xlsxCutsLongText() throws Exception {
        String day = "2003-03-03";
        String campaign = fixture.parts.strapi.get("/api/campaigns").path("data").get(0).path("documentId").asText();
        String story = "Once upon a time, " + "ça va, très bien 🚀 ".repeat(2_500);
        assertTrue(story.length() > XlsxExportWriter.MAX_CELL_CHARS);
        fixture.parts.strapi.createResponse(campaign, "long answer", Instant.parse(day + "T12:00:00Z"),
                Json.MAPPER.createObjectNode().put("story", story).put("short", "kept"));
        int responses = fixture.strapiRows("filters[submittedAt][$gte]=" + day + "T00:00:00.000Z&filters[submittedAt][$lte]=" + day
                + "T23:59:59.999Z").size();
        String range = "\"date_range\":\"" + day + "/" + day + "\"";

        JsonNode xlsx = ok(fixture.send(handler, ExportFixture.admin("{" + range + ",\"file_format\":\"xlsx\"}")));
        assertEquals(responses, xlsx.path("record_count").asInt());
        assertEquals(responses, xlsx.path("cells_truncated").asInt(), xlsx.toString());
        try (XSSFWorkbook workbook = new XSSFWorkbook(new ByteArrayInputStream(fixture.download(xlsx.path("download_url").asText()).body()))) {
            XSSFSheet sheet = workbook.getSheetAt(0);
            List<String> header = new ArrayList<>();
            sheet.getRow(0).forEach(cell -> header.add(cell.getStringCellValue()));
            Row row = sheet.getRow(1);
            String cut = row.getCell(header.indexOf("answers.story")).getStringCellValue();
            assertEquals(XlsxExportWriter.MAX_CELL_CHARS, cut.length());
            assertTrue(story.startsWith(cut.substring(0, cut.length() - XlsxExportWriter.CUT_NOTE.length())), "the start of the answer");
            assertTrue(cut.endsWith(XlsxExportWriter.CUT_NOTE), cut.substring(cut.length() - 200));
            assertEquals("kept", row.getCell(header.indexOf("answers.short")).getStringCellValue());
        }

        JsonNode csv = ok(fixture.send(handler, ExportFixture.admin("{" + range + "}")));
        assertFalse(csv.has("cells_truncated"), csv.toString());
        try (CSVParser parser = CSVParser.parse(new StringReader(new String(fixture.download(csv.path("download_url").asText()).body(),
                StandardCharsets.UTF_8)), CSVFormat.RFC4180.builder().setHeader().get())) {
            for (CSVRecord record : parser) {
                assertEquals(story, record.get("answers.story"), "the CSV keeps the whole answer");
            }
        }
    }

    @Test
    @DisplayName("compression gzip: a .csv.gz / .json.gz sent as application/gzip, that unpacks to the plain file's rows")
    void gzipDownloads() throws Exception {
        byte[] plain = csvExport("{\"date_range\":\"all_time\"}");
        JsonNode csvAnswer = ok(fixture.send(handler, ExportFixture.admin("{\"date_range\":\"all_time\",\"compression\":\"gzip\"}")));
        assertTrue(csvAnswer.path("filename").asText().matches("onboarding-export-\\d{8}T\\d{4}Z-[0-9a-f]{8}\\.csv\\.gz"), csvAnswer.toString());
        assertEquals("csv", csvAnswer.path("file_format").asText());
        assertEquals("gzip", csvAnswer.path("compression").asText());
        assertEquals("application/gzip", csvAnswer.path("content_type").asText());
        byte[] packed = fixture.download(csvAnswer.path("download_url").asText()).body();
        assertEquals(csvAnswer.path("size_bytes").asLong(), packed.length, "size_bytes is the stored, compressed size");
        assertTrue(packed.length < plain.length / 3, packed.length + " bytes against " + plain.length);
        String key = java.net.URI.create(csvAnswer.path("download_url").asText()).getPath().replaceFirst("^/" + RealParts.BUCKET + "/", "");
        try (S3Client s3 = fixture.parts.s3.client()) {
            var head = s3.headObject(b -> b.bucket(RealParts.BUCKET).key(key));
            assertEquals("application/gzip", head.contentType());
            assertEquals("attachment; filename=\"" + csvAnswer.path("filename").asText() + "\"", head.contentDisposition());
        }
        assertEquals(new String(plain, StandardCharsets.UTF_8), new String(gunzip(packed), StandardCharsets.UTF_8),
                "the same rows and columns, byte for byte");

        JsonNode jsonAnswer = ok(fixture.send(handler,
                ExportFixture.admin("{\"date_range\":\"all_time\",\"file_format\":\"json\",\"compression\":\"gzip\"}")));
        assertTrue(jsonAnswer.path("filename").asText().endsWith(".json.gz"), jsonAnswer.toString());
        JsonNode document = Json.MAPPER.readTree(gunzip(fixture.download(jsonAnswer.path("download_url").asText()).body()));
        assertEquals(jsonAnswer.path("record_count").asLong(), document.path("export").path("record_count").asLong());
        assertEquals(fixture.strapiRows("").size(), jsonAnswer.path("record_count").asInt());
    }

    private static byte[] gunzip(byte[] packed) throws Exception {
        try (var in = new java.util.zip.GZIPInputStream(new ByteArrayInputStream(packed))) {
            return in.readAllBytes();
        }
    }

    @Test
    @DisplayName("csv {bom, delimiter \";\"}: EF BB BF first, then the same rows and columns, separated by semicolons")
    void excelFriendlyCsv() throws Exception {
        byte[] plain = csvExport("{\"date_range\":\"all_time\"}");
        byte[] excel = csvExport("{\"date_range\":\"all_time\",\"csv\":{\"bom\":true,\"delimiter\":\";\"}}");
        assertEquals(List.of((byte) 0xEF, (byte) 0xBB, (byte) 0xBF), List.of(excel[0], excel[1], excel[2]));
        assertEquals('r', plain[0], "no mark by default");
        String text = new String(excel, 3, excel.length - 3, StandardCharsets.UTF_8);
        assertTrue(text.startsWith(String.join(";", LEADING) + ";"), text.substring(0, 120));
        try (CSVParser semicolons = CSVParser.parse(new StringReader(text), CSVFormat.RFC4180.builder().setDelimiter(';').setHeader().get());
             CSVParser commas = CSVParser.parse(new StringReader(new String(plain, StandardCharsets.UTF_8)),
                     CSVFormat.RFC4180.builder().setHeader().get())) {
            assertEquals(commas.getHeaderNames(), semicolons.getHeaderNames());
            assertEquals(commas.getRecords().stream().map(CSVRecord::toList).toList(),
                    semicolons.getRecords().stream().map(CSVRecord::toList).toList(), "the same cells");
        }
    }

    @Test
    @DisplayName("fields: exactly the columns asked for, in order, with Strapi's values; a name that matched nothing is reported")
    void chosenFields() throws Exception {
        List<JsonNode> expected = fixture.strapiRows("");
        JsonNode body = ok(fixture.send(handler, ExportFixture.admin("{\"date_range\":\"all_time\","
                + "\"fields\":[\"progress\",\"answers.company\",\"answers.nps\",\"createdAt\",\"answers.no_such_question\"]}")));
        assertEquals(List.of("answers.no_such_question"), Json.MAPPER.convertValue(body.path("fields_not_found"), List.class));

        Set<String> company = new HashSet<>();
        expected.stream().map(row -> row.path("answers").path("company")).filter(JsonNode::isObject)
                .forEach(node -> company.addAll(ExportIT.leaves(node).keySet()));
        List<String> expectedHeader = new ArrayList<>(LEADING);
        expectedHeader.add("progress");
        ExportIT.pathOrder(company).forEach(column -> expectedHeader.add("answers.company." + column));
        expectedHeader.add("answers.nps");
        expectedHeader.add("createdAt");
        assertTrue(expectedHeader.contains("answers.company.address.city"), "the seed nests objects under answers.company");

        List<CSVRecord> records;
        List<String> header;
        try (CSVParser csv = CSVParser.parse(new StringReader(new String(fixture.download(body.path("download_url").asText()).body(),
                StandardCharsets.UTF_8)), CSVFormat.RFC4180.builder().setHeader().get())) {
            header = csv.getHeaderNames();
            records = csv.getRecords();
        }
        assertEquals(expectedHeader, header);
        Map<String, CSVRecord> byId = new HashMap<>();
        records.forEach(record -> byId.put(record.get("response_id"), record));
        assertEquals(expected.size(), records.size());
        for (JsonNode row : expected) {
            CSVRecord record = byId.get(row.path("documentId").asText());
            Map<String, String> cells = ExportIT.flatten(row);
            for (String column : header.subList(6, header.size())) {
                assertEquals(cells.getOrDefault(column, ""), record.get(column), column + " of " + row.path("documentId"));
            }
        }

        JsonNode json = ok(fixture.send(handler, ExportFixture.admin("{\"date_range\":\"all_time\",\"file_format\":\"json\","
                + "\"fields\":[\"answers.nps\",\"progress\"]}")));
        assertEquals(0, json.path("fields_not_found").size());
        assertTrue(json.path("fields_not_found").isArray(), "reported, empty, when fields were given: " + json);
        JsonNode file = Json.MAPPER.readTree(fixture.download(json.path("download_url").asText()).body());
        Map<String, JsonNode> strapiById = new HashMap<>();
        expected.forEach(row -> strapiById.put(row.path("documentId").asText(), row));
        int responses = 0;
        for (JsonNode campaign : file.path("campaigns")) {
            for (JsonNode response : campaign.path("responses")) {
                JsonNode row = strapiById.get(response.path("documentId").asText());
                ObjectNode pruned = Json.MAPPER.createObjectNode();
                pruned.set("documentId", row.get("documentId"));
                pruned.set("submittedAt", row.get("submittedAt"));
                if (row.path("answers").has("nps")) {
                    pruned.putObject("answers").set("nps", row.path("answers").get("nps"));
                }
                pruned.set("progress", row.get("progress"));
                assertEquals(pruned, response, "JSON keeps the response's identity and the fields asked for");
                responses++;
            }
        }
        assertEquals(expected.size(), responses);
    }

    @Test
    @DisplayName("the default columns: the same for sequential and 8 concurrent readers, without bookkeeping or repeats")
    void defaultColumnsAreStable() throws Exception {
        Map<String, String> env = fixture.env(fixture.parts.strapi.url(), RealParts.BUCKET);
        env.put("STRAPI_PAGE_SIZE", "10");
        env.put("STRAPI_PARALLELISM", "1");
        List<String> sequential = csvHeader(csvExport(fixture.handler(env, Clock.systemUTC()), "{\"date_range\":\"all_time\"}"));
        env.put("STRAPI_PARALLELISM", "8");
        List<String> concurrent = csvHeader(csvExport(fixture.handler(env, Clock.systemUTC()), "{\"date_range\":\"all_time\"}"));
        assertEquals(sequential, concurrent);
        assertEquals(ExportIT.pathOrder(sequential.subList(6, sequential.size())), sequential.subList(6, sequential.size()));
        for (String column : sequential.subList(6, sequential.size())) {
            String top = column.split("\\.")[0];
            assertFalse(ExportIT.NOT_COLUMNS.contains(top), column);
        }
        String campaign = fixture.parts.strapi.get("/api/campaigns?sort[0]=name:asc").path("data").get(0).path("documentId").asText();
        List<String> oneCampaign = csvHeader(csvExport("{\"date_range\":\"all_time\",\"campaign_ids\":[\"" + campaign + "\"]}"));
        assertEquals(ExportIT.pathOrder(oneCampaign.subList(6, oneCampaign.size())), oneCampaign.subList(6, oneCampaign.size()),
                "a subset of the rows: its own columns, in the same order");
    }

    @Test
    @DisplayName("more responses than an XLSX sheet holds: 400 suggesting CSV, decided from Strapi's total before any work")
    void xlsxRowLimit() throws Exception {
        try (StrapiFaultProxy proxy = StrapiFaultProxy.start(fixture.parts.strapi.url())) {
            // Strapi's first page, as it answers it, but with the total of a very large export.
            proxy.plan((n, path) -> n == 1 ? new StrapiFaultProxy.Fault(200,
                    "{\"data\":[],\"meta\":{\"pagination\":{\"page\":1,\"pageSize\":100,\"pageCount\":10486,\"total\":1048576}}}", null) : null);
            ExportHandler viaProxy = fixture.handler(fixture.env(proxy.url(), RealParts.BUCKET), Clock.systemUTC());
            JsonNode refused = error(fixture.send(viaProxy, ExportFixture.admin("{\"date_range\":\"all_time\",\"file_format\":\"xlsx\"}")),
                    400, "INVALID_REQUEST");
            assertEquals("1,048,576 responses match, more than an XLSX sheet holds (1,048,575 rows and its header): ask for"
                    + " file_format csv, or narrow the date range or the campaigns", refused.path("message").asText());
            assertEquals(1, proxy.requests(), "one request for the total, nothing read after it");
        }
    }

    private byte[] csvExport(String body) throws Exception {
        return csvExport(handler, body);
    }

    private byte[] csvExport(ExportHandler exportHandler, String body) throws Exception {
        JsonNode answer = ok(fixture.send(exportHandler, ExportFixture.admin(body)));
        assertNull(answer.get("fields_not_found"), "only when fields were given");
        return fixture.download(answer.path("download_url").asText()).body();
    }

    private static List<String> csvHeader(byte[] csv) throws Exception {
        try (CSVParser parser = CSVParser.parse(new StringReader(new String(csv, StandardCharsets.UTF_8)),
                CSVFormat.RFC4180.builder().setHeader().get())) {
            return parser.getHeaderNames();
        }
    }
}
