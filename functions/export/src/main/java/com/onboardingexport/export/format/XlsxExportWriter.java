package com.onboardingexport.export.format;

import com.fasterxml.jackson.databind.JsonNode;
import com.onboardingexport.export.config.ExportConfig;
import com.onboardingexport.export.spool.ExportSpool;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.regex.Pattern;
import org.dhatim.fastexcel.Workbook;
import org.dhatim.fastexcel.Worksheet;

/**
 * Writes the spooled rows ({@link TabularRows}: the same rows and columns as the CSV) as one XLSX
 * sheet, streamed in constant memory (fastexcel): rows go to the stream every
 * {@value #ROWS_PER_FLUSH} rows, and text is written inline, never into a shared-strings table that
 * would grow with the file. The header row is bold, frozen and carries an auto-filter.
 * <ul>
 * <li>Text stays text, exactly as the response has it: an inline string cell is never a formula,
 * whatever it starts with, so the CSV's apostrophe is not needed.</li>
 * <li>A full ISO-8601 UTC instant ({@code 2026-03-01T10:00:00.000Z}, as Strapi writes its
 * date-times; {@code submitted_at} among them) is a date cell, in UTC, formatted
 * {@value #DATE_TIME_FORMAT}.</li>
 * <li>A JSON number is a number cell when a spreadsheet's double holds it exactly; otherwise (a
 * 20-digit id, say) it is text, so no digit is lost.</li>
 * <li>A JSON boolean is a boolean cell (TRUE/FALSE); null is an empty cell.</li>
 * <li>Text longer than a cell holds ({@value #MAX_CELL_CHARS} characters; Excel offers to repair a file with
 * more corrupt) is cut to fit, ending with {@value #CUT_NOTE}; {@link #write} counts those cells
 * (the answer's {@code cells_truncated}), and the CSV and JSON keep the whole text.</li>
 * </ul>
 * Flushes the stream, never closes it.
 */
public final class XlsxExportWriter implements ExportWriter {
    static final String SHEET_NAME = "Onboarding responses";
    static final String DATE_TIME_FORMAT = "yyyy-mm-dd hh:mm:ss.000";
    static final int ROWS_PER_FLUSH = 1_000;
    private static final Pattern UTC_INSTANT = Pattern.compile("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?Z");
    /** Spreadsheet dates start in 1900. */
    private static final Instant FIRST_DATE = Instant.parse("1900-03-01T00:00:00Z");
    /** Integers above this lose digits in a double. */
    private static final long MAX_EXACT_INTEGER = 1L << 53;
    private static final double COLUMN_WIDTH = 24;
    /** What a cell holds at most, in UTF-16 units (Excel's specifications and limits). */
    public static final int MAX_CELL_CHARS = 32_767;
    public static final String CUT_NOTE = "… [cut at Excel's 32,767 characters; the CSV and JSON exports hold it all]";

    private final ExportConfig config;

    public XlsxExportWriter(ExportConfig config) {
        this.config = config;
    }

    /** Writes the sheet; returns how many cells were cut to {@value #MAX_CELL_CHARS} characters. */
    @Override
    public long write(ExportSpool spool, OutputStream out) throws IOException {
        TabularRows rows = new TabularRows(spool, config);
        List<String> header = rows.header();
        Workbook workbook = new Workbook(out, "onboarding-export", "1.0");
        Worksheet sheet = workbook.newWorksheet(SHEET_NAME);
        for (int c = 0; c < header.size(); c++) {
            sheet.width(c, COLUMN_WIDTH);
            sheet.inlineString(0, c, header.get(c));
        }
        sheet.range(0, 0, 0, header.size() - 1).style().bold().set();
        sheet.freezePane(0, 1);
        sheet.setAutoFilter(0, 0, (int) Math.max(1, spool.rows()), header.size() - 1);
        int[] next = {1};
        long[] cut = {0};
        rows.forEachRow(cells -> {
            int r = next[0]++;
            for (int c = 0; c < cells.length; c++) {
                cut[0] += cell(sheet, r, c, cells[c]) ? 1 : 0;
            }
            if (r % ROWS_PER_FLUSH == 0) {
                sheet.flush();
            }
        });
        workbook.finish();
        out.flush();
        return cut[0];
    }

    /** Writes one cell; true when its text was cut to fit. */
    private static boolean cell(Worksheet sheet, int r, int c, JsonNode value) {
        if (value == null || value.isNull() || value.isMissingNode()) {
            return false;
        }
        if (value.isBoolean()) {
            sheet.value(r, c, value.booleanValue());
        } else if (value.isNumber()) {
            Number number = exact(value);
            if (number != null) {
                sheet.value(r, c, number);
            } else {
                return text(sheet, r, c, value.asText());
            }
        } else {
            String text = value.asText();
            Instant instant = utcInstant(text);
            if (instant != null) {
                sheet.value(r, c, instant);
                sheet.style(r, c).format(DATE_TIME_FORMAT).set();
            } else {
                return text(sheet, r, c, text);
            }
        }
        return false;
    }

    private static boolean text(Worksheet sheet, int r, int c, String text) {
        String fitting = fitting(text);
        sheet.inlineString(r, c, fitting);
        return text.length() > MAX_CELL_CHARS;
    }

    /** The text itself when a cell holds it; else its start and {@link #CUT_NOTE}, never splitting a surrogate pair. */
    static String fitting(String text) {
        if (text.length() <= MAX_CELL_CHARS) {
            return text;
        }
        int end = MAX_CELL_CHARS - CUT_NOTE.length();
        if (Character.isHighSurrogate(text.charAt(end - 1))) {
            end--;
        }
        return text.substring(0, end) + CUT_NOTE;
    }

    /** The number as a spreadsheet holds it (a double), or null when that would change it. */
    static Number exact(JsonNode number) {
        if (number.isIntegralNumber()) {
            return number.canConvertToLong() && Math.abs(number.longValue()) <= MAX_EXACT_INTEGER ? number.longValue() : null;
        }
        double value = number.doubleValue();
        return Double.isFinite(value) && BigDecimal.valueOf(value).compareTo(number.decimalValue()) == 0 ? value : null;
    }

    /** The instant a text names when it is a full ISO-8601 UTC date-time a spreadsheet can show; else null. */
    static Instant utcInstant(String text) {
        if (!UTC_INSTANT.matcher(text).matches()) {
            return null;
        }
        try {
            Instant instant = Instant.parse(text);
            return instant.isBefore(FIRST_DATE) ? null : instant;
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
