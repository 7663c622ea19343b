package com.onboardingexport.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.onboardingexport.shared.Json;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Holds an export's rows on disk (in /tmp), not in memory, grouped by campaign: one JSON-lines file
 * per campaign, so every format can be written campaign by campaign in id order, and the header (the
 * union of every row's columns, chosen and ordered by {@link ResponseColumns}) is known before the
 * first row is written. Each row is spooled as {@link ResponseColumns#select} reduces its own fields.
 * Memory grows with the number of campaigns and at most {@code MAX_CSV_COLUMNS} column names,
 * never with the number of rows.
 */
public final class ExportSpool implements AutoCloseable {
    /** Open files at once; the others are closed and reopened for appending when needed. */
    private static final int MAX_OPEN_WRITERS = 32;

    /** One campaign of the export, with its client, as Strapi named them. */
    public static final class Campaign {
        final String id;
        final String name;
        final String clientId;
        final String clientName;
        final Path file;
        long rows;

        Campaign(String id, String name, String clientId, String clientName, Path file) {
            this.id = id;
            this.name = name;
            this.clientId = clientId;
            this.clientName = clientName;
            this.file = file;
        }
    }

    private final Path dir;
    private final ExportConfig config;
    private final Map<String, Campaign> campaigns = new HashMap<>();
    private final ResponseColumns columns;
    private final LinkedHashMap<String, BufferedWriter> openWriters = new LinkedHashMap<>(16, 0.75f, true);
    private long rows;

    public ExportSpool(Path tempRoot, ExportConfig config, ResponseColumns columns) throws IOException {
        this.dir = Files.createTempDirectory(tempRoot, "export-");
        this.config = config;
        this.columns = columns;
    }

    public void add(JsonNode row) throws IOException {
        JsonNode campaignNode = row.path(config.campaignField());
        String campaignId = text(campaignNode.path(config.idField()));
        Campaign campaign = campaigns.get(campaignId);
        if (campaign == null) {
            JsonNode client = campaignNode.path(config.clientField());
            campaign = new Campaign(campaignId, text(campaignNode.path("name")), text(client.path(config.idField())),
                    text(client.path("name")), dir.resolve("campaign-" + campaigns.size() + ".jsonl"));
            campaigns.put(campaignId, campaign);
        }
        ObjectNode own = columns.select(ownFields(row));
        Flattener.flatten("", own, (column, value) -> columns.admit(column));
        BufferedWriter writer = writer(campaign);
        writer.write(own.toString());
        writer.write('\n');
        campaign.rows++;
        rows++;
    }

    public long rows() {
        return rows;
    }

    /** The response columns of the file, in order, at most {@code MAX_CSV_COLUMNS} (see {@link ResponseColumns}). */
    public List<String> columns() {
        return columns.columns();
    }

    /** True when some row had a column that did not fit under {@code MAX_CSV_COLUMNS}. */
    public boolean columnsTruncated() {
        return columns.truncated();
    }

    /** Which columns the file holds, and which names asked for matched nothing. */
    public ResponseColumns responseColumns() {
        return columns;
    }

    /** Campaigns sorted by client name, campaign name, then id: a stable order for both formats. */
    public List<Campaign> campaigns() throws IOException {
        flush();
        List<Campaign> sorted = new ArrayList<>(campaigns.values());
        sorted.sort(Comparator.comparing((Campaign c) -> c.clientName)
                .thenComparing(c -> c.name)
                .thenComparing(c -> c.id));
        return sorted;
    }

    /** Reads a campaign's rows back, in the order they were added. */
    public void forEachRow(Campaign campaign, Consumer<JsonNode> action) throws IOException {
        try (BufferedReader reader = Files.newBufferedReader(campaign.file, StandardCharsets.UTF_8)) {
            String line;
            while ((line = reader.readLine()) != null) {
                action.accept(Json.MAPPER.readTree(line));
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** The row without its campaign relation: the fields of the response itself. */
    public ObjectNode ownFields(JsonNode row) {
        ObjectNode own = row.deepCopy();
        own.remove(config.campaignField());
        return own;
    }

    /** The spool's folder, for scratch files deleted with it. */
    public Path scratchDir() {
        return dir;
    }

    /** A scratch file in the spool's folder, deleted with it. */
    public Path newFile(String name) {
        return dir.resolve(name);
    }

    private BufferedWriter writer(Campaign campaign) throws IOException {
        BufferedWriter writer = openWriters.get(campaign.id);
        if (writer == null) {
            if (openWriters.size() >= MAX_OPEN_WRITERS) {
                Iterator<Map.Entry<String, BufferedWriter>> eldest = openWriters.entrySet().iterator();
                eldest.next().getValue().close();
                eldest.remove();
            }
            writer = Files.newBufferedWriter(campaign.file, StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            openWriters.put(campaign.id, writer);
        }
        return writer;
    }

    private void flush() throws IOException {
        for (BufferedWriter writer : openWriters.values()) {
            writer.close();
        }
        openWriters.clear();
    }

    private static String text(JsonNode node) {
        return node.isMissingNode() || node.isNull() ? "" : node.asText();
    }

    @Override
    public void close() throws IOException {
        flush();
        try (var files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
    }
}
