package com.onboardingexport.export.format;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.onboardingexport.export.config.ExportConfig;
import com.onboardingexport.export.spool.ExportSpool;
import com.onboardingexport.export.spool.Flattener;
import com.onboardingexport.export.spool.ResponseColumns;
import com.onboardingexport.shared.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * The rows of a CSV or XLSX file, one per response, whatever the format makes of a cell: the
 * leading columns naming the response, its time, campaign and client; then the response columns
 * ({@link ResponseColumns}), each the JSON leaf value the response has there; then, when more
 * columns were wanted than {@code MAX_CSV_COLUMNS}, a last column {@value #OVERFLOW_COLUMN}: for
 * each row, a JSON object of its values whose columns did not fit (dotted column name to the JSON
 * value: text, number, boolean or null), absent when the row has none; then, when some response
 * could not be read whole, a last column {@value ExportSpool#ROW_ERROR_COLUMN}: what was wrong with that
 * response, whose own fields are left out (empty on every other row).
 * Column names (and the overflow object's keys) longer than {@value #MAX_COLUMN_CHARS} characters are
 * cut ({@link #columnName}), in every format that has columns.
 */
public final class TabularRows {
    static final List<String> LEADING_COLUMNS = List.of(
            "response_id", "submitted_at", "campaign_id", "campaign_name", "client_id", "client_name");
    /** The index of {@code submitted_at}. */
    static final int SUBMITTED_AT = 1;
    public static final String OVERFLOW_COLUMN = "overflow_json";
    /** The longest column name: far under what an XLSX cell holds, and what a reader can still take in. */
    static final int MAX_COLUMN_CHARS = 1_000;
    /** {@code ~} and 8 hex digits of the whole name's SHA-256, at the end of a cut name. */
    private static final int CUT_SUFFIX_CHARS = 9;

    /** Receives each row's cells in header order; a cell is null where the row has no value. */
    interface RowWriter {
        void write(JsonNode[] cells) throws IOException;
    }

    private final ExportSpool spool;
    private final ExportConfig config;
    private final List<String> header = new ArrayList<>(LEADING_COLUMNS);
    private final Map<String, Integer> position = new HashMap<>();
    private final boolean overflow;
    private final boolean rowErrors;

    TabularRows(ExportSpool spool, ExportConfig config) {
        this.spool = spool;
        this.config = config;
        for (String column : spool.columns()) {
            position.put(column, header.size());
            header.add(columnName(column));
        }
        this.overflow = spool.columnsTruncated();
        if (overflow) {
            header.add(OVERFLOW_COLUMN);
        }
        this.rowErrors = spool.rowsDegraded() > 0;
        if (rowErrors) {
            header.add(ExportSpool.ROW_ERROR_COLUMN);
        }
    }

    /**
     * The name a column has in the file: itself up to {@value #MAX_COLUMN_CHARS} characters; a longer
     * one is cut to its first characters followed by {@code ~} and 8 hex digits of the SHA-256 of the
     * whole name, {@value #MAX_COLUMN_CHARS} characters in all, so two long names stay two columns.
     */
    static String columnName(String column) {
        if (column.length() <= MAX_COLUMN_CHARS) {
            return column;
        }
        int keep = MAX_COLUMN_CHARS - CUT_SUFFIX_CHARS;
        if (Character.isHighSurrogate(column.charAt(keep - 1))) {
            keep--;
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(column.getBytes(StandardCharsets.UTF_8));
            return column.substring(0, keep) + "~" + HexFormat.of().formatHex(digest, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always there", e);
        }
    }

    List<String> header() {
        return header;
    }

    void forEachRow(RowWriter writer) throws IOException {
        ResponseColumns columns = spool.responseColumns();
        for (ExportSpool.Campaign campaign : spool.campaigns()) {
            spool.forEachRow(campaign, row -> {
                JsonNode[] cells = new JsonNode[header.size()];
                cells[0] = row.get(config.idField());
                cells[SUBMITTED_AT] = row.get(config.dateField());
                cells[2] = TextNode.valueOf(campaign.id);
                cells[3] = TextNode.valueOf(campaign.name);
                cells[4] = TextNode.valueOf(campaign.clientId);
                cells[5] = TextNode.valueOf(campaign.clientName);
                ObjectNode overflowValues = Json.MAPPER.createObjectNode();
                Flattener.flatten("", row, (column, value) -> {
                    if (rowErrors && column.equals(ExportSpool.ROW_ERROR_COLUMN)) {
                        return; // the marker's own column, below
                    }
                    Integer at = position.get(column);
                    if (at != null) {
                        cells[at] = value;
                    } else if (overflow && columns.wanted(column)) {
                        overflowValues.set(columnName(column), value);
                    }
                });
                if (!overflowValues.isEmpty()) {
                    cells[cells.length - (rowErrors ? 2 : 1)] = TextNode.valueOf(overflowValues.toString());
                }
                if (rowErrors) {
                    cells[cells.length - 1] = row.get(ExportSpool.ROW_ERROR_COLUMN);
                }
                try {
                    writer.write(cells);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
