package com.onboardingexport.export;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.onboardingexport.shared.Env;
import com.onboardingexport.shared.Json;
import java.io.ByteArrayOutputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
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

    String writeCsv(int maxColumns, String... rows) throws Exception {
        ExportConfig config = ExportConfig.from(new Env(Map.of("STRAPI_URL", "http://strapi.test", "APP_SECRET_ARN", "secret",
                "EXPORT_BUCKET", "bucket", "MAX_CSV_COLUMNS", Integer.toString(maxColumns))));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ExportSpool spool = new ExportSpool(temp, config)) {
            for (String row : rows) {
                spool.add(Json.MAPPER.readTree(row));
            }
            new CsvExportWriter(config).write(spool, out);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    static List<CSVRecord> csv(String text) throws Exception {
        try (CSVParser parser = CSVParser.parse(new StringReader(text), CSVFormat.RFC4180.builder().setHeader().build())) {
            return parser.getRecords();
        }
    }
}
