package com.onboardingexport.export.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.onboardingexport.export.config.ExportConfig;
import com.onboardingexport.export.spool.ExportSpool;
import com.onboardingexport.export.spool.ResponseColumns;
import com.onboardingexport.export.spool.RowSink;
import com.onboardingexport.shared.Json;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.poi.ss.usermodel.Cell;
import org.apache.poi.ss.usermodel.CellType;
import org.apache.poi.ss.usermodel.DateUtil;
import org.apache.poi.ss.usermodel.Row;
import org.apache.poi.xssf.usermodel.XSSFSheet;
import org.apache.poi.xssf.usermodel.XSSFWorkbook;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** XLSX files read back with Apache POI, as a spreadsheet would read them. */
class XlsxExportWriterTest {
    private static final String ROW = """
            {"documentId": "r1", "submittedAt": "2026-01-31T23:59:59.999Z", "campaign": {"documentId": "c1", "name": "=Camp",
             "client": {"documentId": "k1", "name": "Client"}},
             "answers": {"formula": "=SUM(A1:A9)", "plus": "+1", "padded": "  padded  ", "lines": "multi\\r\\nline", "emoji": "Zoë 🚀",
                         "nps": 9, "balance": -12.5, "huge": 12345678901234567890, "past53": 9007199254740993, "exact53": 9007199254740992,
                         "tenth": 0.1, "yes": true, "no": false, "none": null, "empty": "",
                         "when": "2026-03-01T10:00:00Z", "day": "2026-03-01", "badMonth": "2026-13-01T00:00:00Z",
                         "offset": "2026-03-01T10:00:00+02:00", "old": "1899-12-31T00:00:00Z"}}""";

    @TempDir
    Path temp;
    /** What the last {@link #write} reported: cells cut to fit. */
    private long cellsCut = -1;

    @Test
    @DisplayName("cells are typed: numbers, booleans, UTC date-times as dates, text as text (never a formula), exactly")
    void typedCells() throws Exception {
        try (XSSFWorkbook workbook = read(write(500, ROW))) {
            XSSFSheet sheet = workbook.getSheetAt(0);
            assertEquals(XlsxExportWriter.SHEET_NAME, sheet.getSheetName());
            Map<String, Cell> cells = byHeader(sheet, 1);
            assertEquals(List.of("response_id", "submitted_at", "campaign_id", "campaign_name", "client_id", "client_name"),
                    header(sheet).subList(0, 6));

            Cell submitted = cells.get("submitted_at");
            assertEquals(CellType.NUMERIC, submitted.getCellType());
            assertTrue(DateUtil.isCellDateFormatted(submitted));
            assertEquals(XlsxExportWriter.DATE_TIME_FORMAT, submitted.getCellStyle().getDataFormatString());
            assertEquals(LocalDateTime.parse("2026-01-31T23:59:59.999"), submitted.getLocalDateTimeCellValue(), "UTC, to the millisecond");
            assertEquals(LocalDateTime.parse("2026-03-01T10:00:00"), cells.get("answers.when").getLocalDateTimeCellValue());
            assertTrue(DateUtil.isCellDateFormatted(cells.get("answers.when")));
            for (String notAnInstant : List.of("answers.day", "answers.badMonth", "answers.offset", "answers.old")) {
                assertEquals(CellType.STRING, cells.get(notAnInstant).getCellType(), notAnInstant + " stays text");
            }

            assertEquals(9, cells.get("answers.nps").getNumericCellValue());
            assertEquals(-12.5, cells.get("answers.balance").getNumericCellValue());
            assertEquals(0.1, cells.get("answers.tenth").getNumericCellValue());
            assertEquals(9007199254740992.0, cells.get("answers.exact53").getNumericCellValue());
            assertEquals("12345678901234567890", cells.get("answers.huge").getStringCellValue(), "too many digits for a number cell: text");
            assertEquals("9007199254740993", cells.get("answers.past53").getStringCellValue());
            assertEquals(CellType.BOOLEAN, cells.get("answers.yes").getCellType());
            assertTrue(cells.get("answers.yes").getBooleanCellValue());
            assertFalse(cells.get("answers.no").getBooleanCellValue());
            assertNull(cells.get("answers.none"), "null is an empty cell");

            assertEquals("=SUM(A1:A9)", cells.get("answers.formula").getStringCellValue(), "text exactly, no apostrophe");
            assertEquals("=Camp", cells.get("campaign_name").getStringCellValue());
            assertEquals("+1", cells.get("answers.plus").getStringCellValue());
            assertEquals("  padded  ", cells.get("answers.padded").getStringCellValue());
            assertEquals("multi\r\nline", cells.get("answers.lines").getStringCellValue());
            assertEquals("Zoë 🚀", cells.get("answers.emoji").getStringCellValue());
            assertEquals("", cells.get("answers.empty").getStringCellValue());
            for (Row row : sheet) {
                for (Cell cell : row) {
                    assertFalse(cell.getCellType() == CellType.FORMULA, "no formula anywhere: " + cell.getAddress());
                }
            }
        }
    }

    @Test
    @DisplayName("the header is frozen and filtered over every row; text is inline, so nothing grows with the rows but the file")
    void frozenFilteredHeaderAndInlineText() throws Exception {
        List<String> rows = new ArrayList<>();
        for (int i = 0; i < 2_500; i++) {
            rows.add("{\"documentId\":\"r" + i + "\",\"answers\":{\"text\":\"answer " + i + "\",\"n\":" + i + "}}");
        }
        try (XSSFWorkbook workbook = read(write(500, rows.toArray(String[]::new)))) {
            XSSFSheet sheet = workbook.getSheetAt(0);
            assertTrue(sheet.getPaneInformation().isFreezePane());
            assertEquals(1, sheet.getPaneInformation().getHorizontalSplitPosition(), "the first row frozen");
            assertEquals(0, sheet.getPaneInformation().getVerticalSplitPosition(), "no column frozen");
            assertEquals("A1:H2501", sheet.getCTWorksheet().getAutoFilter().getRef());
            assertTrue(sheet.getRow(0).getCell(0).getCellStyle().getFont().getBold());
            assertEquals(2_501, sheet.getPhysicalNumberOfRows());
            assertEquals("answer 2499", byHeader(sheet, 2_500).get("answers.text").getStringCellValue());
            assertEquals(2_499, byHeader(sheet, 2_500).get("answers.n").getNumericCellValue());
            assertEquals(0, workbook.getSharedStringSource().getUniqueCount(), "no shared-strings table");
        }
    }

    @Test
    @DisplayName("the same columns as the CSV past MAX_CSV_COLUMNS: overflow_json last, as text")
    void overflowColumn() throws Exception {
        try (XSSFWorkbook workbook = read(write(2, "{\"documentId\":\"r1\",\"answers\":{\"a\":1,\"b\":2,\"c\":\"=3\"}}"))) {
            XSSFSheet sheet = workbook.getSheetAt(0);
            assertEquals(List.of("answers.a", "answers.b", "overflow_json"), header(sheet).subList(6, 9));
            assertEquals(Json.MAPPER.readTree("{\"answers.c\":\"=3\"}"),
                    Json.MAPPER.readTree(byHeader(sheet, 1).get("overflow_json").getStringCellValue()));
        }
    }

    @Test
    @DisplayName("text longer than a cell holds is cut to 32,767 characters with a note, never inside a surrogate pair, and counted")
    void longTextIsCutToFit() throws Exception {
        int kept = XlsxExportWriter.MAX_CELL_CHARS - XlsxExportWriter.CUT_NOTE.length();
        String longText = "x".repeat(40_000);
        String fits = "y".repeat(XlsxExportWriter.MAX_CELL_CHARS);
        String pairAtTheCut = "z".repeat(kept - 1) + "🚀" + "z".repeat(100);
        String row = Json.MAPPER.writeValueAsString(Map.of("documentId", "r1",
                "answers", Map.of("long", longText, "fits", fits, "pair", pairAtTheCut)));
        try (XSSFWorkbook workbook = read(write(500, row))) {
            Map<String, Cell> cells = byHeader(workbook.getSheetAt(0), 1);
            String cut = cells.get("answers.long").getStringCellValue();
            assertEquals(XlsxExportWriter.MAX_CELL_CHARS, cut.length());
            assertEquals("x".repeat(kept) + XlsxExportWriter.CUT_NOTE, cut);
            assertEquals(fits, cells.get("answers.fits").getStringCellValue(), "exactly a cell's worth stays whole");
            assertEquals("z".repeat(kept - 1) + XlsxExportWriter.CUT_NOTE, cells.get("answers.pair").getStringCellValue(),
                    "the emoji goes whole, not half");
        }
        assertEquals(2, cellsCut);
        write(500, ROW);
        assertEquals(0, cellsCut);
    }

    @Test
    @DisplayName("a column name longer than 1,000 characters is cut to 1,000 (two such names stay two columns), far under the 32,767 characters an XLSX cell holds; a degraded row fills row_error only")
    void longColumnNamesAndDegradedRows() throws Exception {
        // 40 keys of 999 characters, 40 levels deep: within every bound of a response, a 40,000-character column name.
        StringBuilder deep = new StringBuilder();
        for (int level = 0; level < 40; level++) {
            deep.append("{\"").append(Character.toString('a' + level % 26).repeat(999)).append("\":");
        }
        String a = deep + "1" + "}".repeat(40);
        String b = deep + "2" + "}".repeat(40);
        String row = "{\"documentId\": \"r1\", \"submittedAt\": \"2026-01-31T23:59:59.999Z\", \"campaign\": {\"documentId\": \"c1\","
                + " \"name\": \"Camp\", \"client\": {\"documentId\": \"k1\", \"name\": \"Client\"}}, \"answers\": {\"one\": " + a
                + ", \"two\": " + b + "}}";
        String degraded = "{\"documentId\": \"r2\", \"submittedAt\": \"2026-02-01T00:00:00.000Z\", \"campaign\": {\"documentId\": \"c1\","
                + " \"name\": \"Camp\", \"client\": {\"documentId\": \"k1\", \"name\": \"Client\"}}}";
        ExportConfig config = CsvExportWriterTest.config(500);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ExportSpool spool = new ExportSpool(temp, config, new ResponseColumns(List.of(), config))) {
            try (RowSink segment = spool.open(0)) {
                segment.accept(Json.MAPPER.readTree(row));
                segment.degraded(Json.MAPPER.readTree(degraded), "answers: nested deeper than 64 levels");
            }
            assertEquals(1, spool.rowsDegraded());
            new XlsxExportWriter(config).write(spool, bytes);
        }
        try (XSSFWorkbook workbook = read(bytes.toByteArray())) {
            XSSFSheet sheet = workbook.getSheetAt(0);
            List<String> header = header(sheet);
            assertEquals(List.of("response_id", "submitted_at", "campaign_id", "campaign_name", "client_id", "client_name"),
                    header.subList(0, 6));
            List<String> answers = header.subList(6, 8);
            for (String name : answers) {
                assertTrue(name.length() <= 32_767, "Excel's limit for a cell");
                assertEquals(1_000, name.length());
                assertTrue(name.startsWith("answers.") && name.matches("(?s).*~[0-9a-f]{8}"), name.substring(0, 20));
            }
            assertFalse(answers.get(0).equals(answers.get(1)), "two long names, two columns");
            assertEquals("row_error", header.get(8));
            assertEquals(9, header.size());
            Map<String, Cell> first = byHeader(sheet, 1);
            assertEquals(1.0, first.get(answers.get(0)).getNumericCellValue());
            assertEquals(2.0, first.get(answers.get(1)).getNumericCellValue());
            assertNull(first.get("row_error"), "empty on a row that was read whole");
            Map<String, Cell> second = byHeader(sheet, 2);
            assertEquals("r2", second.get("response_id").getStringCellValue());
            assertEquals("Camp", second.get("campaign_name").getStringCellValue());
            assertEquals("answers: nested deeper than 64 levels", second.get("row_error").getStringCellValue());
            assertNull(second.get(answers.get(0)));
        }
    }

    private byte[] write(int maxColumns, String... rows) throws Exception {
        ExportConfig config = CsvExportWriterTest.config(maxColumns);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        OutputStream notClosable = new FilterOutputStream(bytes) {
            @Override
            public void close() {
                throw new AssertionError("the writer must not close the stream it is given");
            }
        };
        try (ExportSpool spool = new ExportSpool(temp, config, new ResponseColumns(List.of(), config))) {
            try (RowSink segment = spool.open(0)) {
                for (String row : rows) {
                    segment.accept(Json.MAPPER.readTree(row));
                }
            }
            cellsCut = new XlsxExportWriter(config).write(spool, notClosable);
        }
        return bytes.toByteArray();
    }

    private static XSSFWorkbook read(byte[] bytes) throws Exception {
        return new XSSFWorkbook(new ByteArrayInputStream(bytes));
    }

    private static List<String> header(XSSFSheet sheet) {
        List<String> names = new ArrayList<>();
        sheet.getRow(0).forEach(cell -> names.add(cell.getStringCellValue()));
        return names;
    }

    private static Map<String, Cell> byHeader(XSSFSheet sheet, int rowIndex) {
        List<String> names = header(sheet);
        Map<String, Cell> cells = new HashMap<>();
        for (Cell cell : sheet.getRow(rowIndex)) {
            cells.put(names.get(cell.getColumnIndex()), cell);
        }
        return cells;
    }
}
