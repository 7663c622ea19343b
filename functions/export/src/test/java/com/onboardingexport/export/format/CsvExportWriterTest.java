package com.onboardingexport.export.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.onboardingexport.export.config.ExportConfig;
import com.onboardingexport.export.config.TestConfig;
import com.onboardingexport.export.spool.ExportSpool;
import com.onboardingexport.export.spool.ResponseColumns;
import com.onboardingexport.export.spool.RowSink;
import com.onboardingexport.shared.Json;
import java.io.ByteArrayOutputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CsvExportWriterTest {
    @TempDir
    Path temp;

    @ParameterizedTest(name = "text {0} is neutralised")
    @ValueSource(strings = {
            "=SUM(A1:A9)", "+1", "-1", "@SUM(1)", "\ttab-led", "\rcr-led", // the first character (as before)
            " =1+1", "   +cmd", "\t-2", "\r\n@x", "\n=1", " \t\r\n =HYPERLINK(\"x\")", // after leading whitespace
            "＝1+1", "＋1", "－1", "＠SUM(1)", "  ＝1+1", "\n＠x", // fullwidth, also after whitespace
            "-12.5", "+33 6 12 34 56 78", "-10% discount"}) // text that looks like a number is still text
    void formulaLikeTextGetsAnApostrophe(String text) {
        assertEquals("'" + text, CsvExportWriter.safe(text));
    }

    @ParameterizedTest(name = "text {0} is left alone")
    @ValueSource(strings = {"", "plain", "a=b", "1+1", "  padded  ", " ", "\n", "\nline", "  text - more", "e@mail.test",
            "'=already quoted", "日本語", "(=)", "１＋１"})
    void harmlessTextIsLeftAlone(String text) {
        assertEquals(text, CsvExportWriter.safe(text));
    }

    @Test
    @DisplayName("JSON numbers and booleans are written as they are, text beside them is neutralised")
    void numbersStayNumbers() throws Exception {
        List<CSVRecord> rows = csv(writeCsv(500, """
                {"id":1,"answers":{"balance":-12.5,"delta":-1,"plus":1e3,"yes":true,"textMinus":"-1","phone":"+33 6 12"}}"""));
        CSVRecord row = rows.get(0);
        assertEquals("-12.5", row.get("answers.balance"));
        assertEquals("-1", row.get("answers.delta"));
        assertEquals("1000.0", row.get("answers.plus"));
        assertEquals("true", row.get("answers.yes"));
        assertEquals("'-1", row.get("answers.textMinus"));
        assertEquals("'+33 6 12", row.get("answers.phone"));
    }

    @ParameterizedTest(name = "campaign named {0} is neutralised in the leading columns")
    @ValueSource(strings = {" =cmd", "＠x"})
    void leadingColumnsAreNeutralisedToo(String name) throws Exception {
        String row = Json.MAPPER.createObjectNode().put("id", 1)
                .set("campaign", Json.MAPPER.createObjectNode().put("documentId", "c1").put("name", name)).toString();
        assertEquals("'" + name, csv(writeCsv(500, row)).get(0).get("campaign_name"));
    }

    @Test
    @DisplayName("past MAX_CSV_COLUMNS, the first columns in path order make the header; each row's other values go whole into overflow_json")
    void columnsPastTheBoundGoToTheOverflowColumn() throws Exception {
        String csv = writeCsv(3,
                """
                {"id":1,"answers":{"a":"=x","b":{"c":-1.5,"d":[true,null]}}}""",
                """
                {"id":2,"answers":{"a":"kept","e":"new","b":{"c":2}}}""",
                """
                {"id":3,"answers":{"b":{"c":3}}}""");
        List<String> lines = csv.lines().toList();
        assertEquals("response_id,submitted_at,campaign_id,campaign_name,client_id,client_name,answers.a,answers.b.c,answers.b.d.0,"
                + "overflow_json", lines.get(0), "the first three columns in path order, then the overflow column");
        List<CSVRecord> rows = csv(csv);
        assertEquals("'=x", rows.get(0).get("answers.a"));
        assertEquals("-1.5", rows.get(0).get("answers.b.c"));
        assertEquals("true", rows.get(0).get("answers.b.d.0"));
        assertEquals(Json.MAPPER.readTree("{\"answers.b.d.1\":null}"), Json.MAPPER.readTree(rows.get(0).get("overflow_json")));
        assertEquals(Json.MAPPER.readTree("{\"answers.e\":\"new\"}"), Json.MAPPER.readTree(rows.get(1).get("overflow_json")));
        assertEquals("", rows.get(2).get("overflow_json"), "nothing overflowed in this row");
    }

    @Test
    @DisplayName("a response with 100 000 distinct keys: the spool holds only the bound's column names, the file keeps every value")
    void aVeryWideResponseKeepsTheHeaderAndTheSpoolBounded() throws Exception {
        var answers = Json.MAPPER.createObjectNode();
        for (int i = 0; i < 100_000; i++) {
            answers.put("k" + i, i % 2 == 0 ? "v" + i : "+" + i);
        }
        String row = Json.MAPPER.createObjectNode().put("id", 1).set("answers", answers).toString();
        ExportConfig config = config(10);
        try (ExportSpool spool = new ExportSpool(temp, config, new ResponseColumns(List.of(), config))) {
            try (RowSink segment = spool.open(0)) {
                segment.accept(Json.MAPPER.readTree(row));
                segment.accept(Json.MAPPER.readTree(row));
            }
            assertEquals(10, spool.columns().size());
            assertTrue(spool.columnsTruncated());
        }
        List<CSVRecord> rows = csv(writeCsv(10, row));
        assertEquals(6 + 10 + 1, rows.get(0).size());
        var overflow = Json.MAPPER.readTree(rows.get(0).get("overflow_json"));
        assertEquals(100_000 - 10, overflow.size(), "every value whose column did not fit (id is no column)");
        assertEquals("+9", overflow.path("answers.k9").asText(), "kept as JSON, not neutralised: the cell starts with {");
    }

    @Test
    @DisplayName("within the bound there is no overflow column")
    void noOverflowColumnWhenEverythingFits() throws Exception {
        String csv = writeCsv(3, "{\"id\":1,\"answers\":{\"a\":1,\"b\":2}}");
        assertEquals("response_id,submitted_at,campaign_id,campaign_name,client_id,client_name,answers.a,answers.b",
                csv.lines().findFirst().orElseThrow());
    }

    @Test
    @DisplayName("csv options: the UTF-8 byte-order mark first and a semicolon or tab between cells; RFC 4180 quoting all the same")
    void bomAndDelimiter() throws Exception {
        String row = "{\"documentId\":\"r1\",\"answers\":{\"a\":\"x;y\",\"b\":\"=1\",\"c\":\"Zoë\"}}";
        byte[] semicolons = write(new CsvOptions(true, ';'), row);
        assertEquals(List.of((byte) 0xEF, (byte) 0xBB, (byte) 0xBF), List.of(semicolons[0], semicolons[1], semicolons[2]));
        String text = new String(semicolons, 3, semicolons.length - 3, StandardCharsets.UTF_8);
        assertEquals("response_id;submitted_at;campaign_id;campaign_name;client_id;client_name;answers.a;answers.b;answers.c\r\n"
                + "r1;;;;;;\"x;y\";'=1;Zoë\r\n", text);
        String tabs = new String(write(new CsvOptions(false, '\t'), row), StandardCharsets.UTF_8);
        assertEquals("r1\t\t\t\t\t\tx;y\t'=1\tZoë", tabs.lines().toList().get(1), "no mark, tabs");
        byte[] plain = write(CsvOptions.DEFAULT, row);
        assertEquals('r', plain[0], "no mark by default");
        assertEquals("r1,,,,,,x;y,'=1,Zoë", new String(plain, StandardCharsets.UTF_8).lines().toList().get(1));
    }

    private byte[] write(CsvOptions options, String row) throws Exception {
        ExportConfig config = config(500);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ExportSpool spool = new ExportSpool(temp, config, new ResponseColumns(List.of(), config))) {
            try (RowSink segment = spool.open(0)) {
                segment.accept(Json.MAPPER.readTree(row));
            }
            new CsvExportWriter(config, options).write(spool, out);
        }
        return out.toByteArray();
    }

    static ExportConfig config(int maxColumns) {
        return TestConfig.builder().strapiUrl("http://strapi.test").maxCsvColumns(maxColumns).build();
    }

    String writeCsv(int maxColumns, String... rows) throws Exception {
        ExportConfig config = config(maxColumns);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ExportSpool spool = new ExportSpool(temp, config, new ResponseColumns(List.of(), config))) {
            try (RowSink segment = spool.open(0)) {
                for (String row : rows) {
                    segment.accept(Json.MAPPER.readTree(row));
                }
            }
            new CsvExportWriter(config, CsvOptions.DEFAULT).write(spool, out);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    static List<CSVRecord> csv(String text) throws Exception {
        try (CSVParser parser = CSVParser.parse(new StringReader(text), CSVFormat.RFC4180.builder().setHeader().build())) {
            return parser.getRecords();
        }
    }
}
