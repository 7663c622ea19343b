package com.onboardingexport.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.onboardingexport.shared.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The rows of a CSV or XLSX file, one per response, whatever the format makes of a cell: the
 * leading columns naming the response, its time, campaign and client; then the response columns
 * ({@link ResponseColumns}), each the JSON leaf value the response has there; then, when more
 * columns were wanted than {@code MAX_CSV_COLUMNS}, a last column {@value #OVERFLOW_COLUMN}: for
 * each row, a JSON object of its values whose columns did not fit (dotted column name to the JSON
 * value: text, number, boolean or null), absent when the row has none.
 */
final class TabularRows {
    static final List<String> LEADING_COLUMNS = List.of(
            "response_id", "submitted_at", "campaign_id", "campaign_name", "client_id", "client_name");
    /** The index of {@code submitted_at}. */
    static final int SUBMITTED_AT = 1;
    public static final String OVERFLOW_COLUMN = "overflow_json";

    /** Receives each row's cells in header order; a cell is null where the row has no value. */
    interface RowWriter {
        void write(JsonNode[] cells) throws IOException;
    }

    private final ExportSpool spool;
    private final ExportConfig config;
    private final List<String> header = new ArrayList<>(LEADING_COLUMNS);
    private final Map<String, Integer> position = new HashMap<>();
    private final boolean overflow;

    TabularRows(ExportSpool spool, ExportConfig config) {
        this.spool = spool;
        this.config = config;
        for (String column : spool.columns()) {
            position.put(column, header.size());
            header.add(column);
        }
        this.overflow = spool.columnsTruncated();
        if (overflow) {
            header.add(OVERFLOW_COLUMN);
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
                    Integer at = position.get(column);
                    if (at != null) {
                        cells[at] = value;
                    } else if (overflow && columns.wanted(column)) {
                        overflowValues.set(column, value);
                    }
                });
                if (!overflowValues.isEmpty()) {
                    cells[cells.length - 1] = TextNode.valueOf(overflowValues.toString());
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
