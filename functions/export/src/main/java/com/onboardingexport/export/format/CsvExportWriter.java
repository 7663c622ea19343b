package com.onboardingexport.export.format;

import com.fasterxml.jackson.databind.JsonNode;
import com.onboardingexport.export.config.ExportConfig;
import com.onboardingexport.export.spool.ExportSpool;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;

/**
 * Writes the spooled rows ({@link TabularRows}) as RFC 4180 CSV in UTF-8 with CRLF line ends: by
 * default comma-separated and without a byte-order mark; on request ({@link CsvOptions}) with the
 * mark EF BB BF first and {@code ;} or a tab between cells, as Excel likes in some locales. The
 * overflow column's JSON object starts with a brace, so a spreadsheet never runs it as a formula.
 * Text a spreadsheet would run as a formula is prefixed with an apostrophe (see {@link #safe}).
 * Flushes the stream, never closes it.
 */
public final class CsvExportWriter implements ExportWriter {
    /** Signs that make a spreadsheet read a cell as a formula, ASCII and fullwidth. */
    private static final String FORMULA_SIGNS = "=+-@\uFF1D\uFF0B\uFF0D\uFF20";

    private final ExportConfig config;
    private final CsvOptions options;

    public CsvExportWriter(ExportConfig config, CsvOptions options) {
        this.config = config;
        this.options = options;
    }

    @Override
    public long write(ExportSpool spool, OutputStream out) throws IOException {
        TabularRows rows = new TabularRows(spool, config);
        if (options.bom()) {
            out.write(CsvOptions.UTF8_BOM);
        }
        // Buffered: the printer writes cell by cell, and an OutputStreamWriter takes each call under a lock.
        Writer writer = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), 64 * 1024);
        CSVPrinter printer = new CSVPrinter(writer, CSVFormat.RFC4180.builder().setDelimiter(options.delimiter()).get());
        printer.printRecord(rows.header());
        String[] texts = new String[rows.header().size()];
        rows.forEachRow(cells -> {
            for (int i = 0; i < cells.length; i++) {
                texts[i] = cell(cells[i]);
            }
            printer.printRecord((Object[]) texts);
        });
        printer.flush();
        return 0;
    }

    private static String cell(JsonNode value) {
        if (value == null || value.isMissingNode() || value.isNull()) {
            return "";
        }
        return value.isTextual() ? safe(value.asText()) : value.asText();
    }

    /**
     * Neutralises formula injection (OWASP) with a leading apostrophe. Text is neutralised when it
     * starts with {@code = + - @}, their fullwidth forms {@code ＝ ＋ － ＠}, a tab or a CR, or when
     * a leading run of spaces, tabs, CRs and LFs is followed by one of those signs (spreadsheets skip
     * it). Text that reads as a number ({@code "-1"}, {@code "+33 6 12 34 56 78"}) is text all the
     * same and is neutralised; only JSON numbers are numbers, and those never pass through here.
     */
    static String safe(String text) {
        int start = 0;
        while (start < text.length() && " \t\r\n".indexOf(text.charAt(start)) >= 0) {
            start++;
        }
        boolean formula = start < text.length() && FORMULA_SIGNS.indexOf(text.charAt(start)) >= 0;
        boolean controlFirst = !text.isEmpty() && (text.charAt(0) == '\t' || text.charAt(0) == '\r');
        return formula || controlFirst ? "'" + text : text;
    }
}
