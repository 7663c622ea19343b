package com.onboardingexport.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.onboardingexport.shared.Json;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;

/**
 * Writes the spooled rows as RFC 4180 CSV (UTF-8, CRLF): leading columns naming the response, its
 * time, campaign and client, then every field of the response flattened, under the union header.
 * The header holds at most {@code MAX_CSV_COLUMNS} flattened columns, the first seen; when some did
 * not fit, a last column {@value #OVERFLOW_COLUMN} holds, for each row, a JSON object of its values
 * whose columns did not fit: dotted column name to the JSON value as the response has it (text,
 * number, boolean or null); empty when the row has none. The JSON object starts with a brace, so
 * a spreadsheet never runs it as a formula.
 * Text a spreadsheet would run as a formula is prefixed with an apostrophe (see {@link #safe}).
 */
public final class CsvExportWriter {
    static final List<String> LEADING_COLUMNS = List.of(
            "response_id", "submitted_at", "campaign_id", "campaign_name", "client_id", "client_name");

    public static final String OVERFLOW_COLUMN = "overflow_json";

    /** Signs that make a spreadsheet read a cell as a formula, ASCII and fullwidth. */
    private static final String FORMULA_SIGNS = "=+-@\uFF1D\uFF0B\uFF0D\uFF20";

    private final ExportConfig config;

    public CsvExportWriter(ExportConfig config) {
        this.config = config;
    }

    public void write(ExportSpool spool, OutputStream out) throws IOException {
        List<String> columns = spool.columns();
        List<String> header = new ArrayList<>(LEADING_COLUMNS);
        header.addAll(columns);
        boolean overflow = spool.columnsTruncated();
        if (overflow) {
            header.add(OVERFLOW_COLUMN);
        }
        // Buffered: the printer writes cell by cell, and an OutputStreamWriter takes each call under a lock.
        Writer writer = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), 64 * 1024);
        CSVPrinter printer = new CSVPrinter(writer, CSVFormat.RFC4180);
        printer.printRecord(header);
        Map<String, Integer> position = new HashMap<>();
        for (int i = 0; i < columns.size(); i++) {
            position.put(columns.get(i), LEADING_COLUMNS.size() + i);
        }
        for (ExportSpool.Campaign campaign : spool.campaigns()) {
            spool.forEachRow(campaign, row -> {
                String[] cells = new String[header.size()];
                cells[0] = cell(row.path(config.idField()));
                cells[1] = cell(row.path(config.dateField()));
                cells[2] = safe(campaign.id);
                cells[3] = safe(campaign.name);
                cells[4] = safe(campaign.clientId);
                cells[5] = safe(campaign.clientName);
                ObjectNode overflowValues = Json.MAPPER.createObjectNode();
                Flattener.flatten("", spool.ownFields(row), (column, value) -> {
                    Integer at = position.get(column);
                    if (at != null) {
                        cells[at] = cell(value);
                    } else {
                        overflowValues.set(column, value);
                    }
                });
                if (overflow && !overflowValues.isEmpty()) {
                    cells[cells.length - 1] = overflowValues.toString();
                }
                try {
                    printer.printRecord((Object[]) cells);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
        printer.flush();
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
