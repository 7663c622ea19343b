package com.onboardingexport.export.spool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.onboardingexport.export.config.ExportConfig;
import com.onboardingexport.export.config.TestConfig;
import com.onboardingexport.shared.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExportSpoolTest {
    @TempDir
    Path temp;

    private static final String[] CLIENTS = {"Zeta", "Acme", "Acme", "Beta", "Acme"};
    private static final String[] CAMPAIGNS = {"One", "Winter", "Spring", "Only", "Autumn"};

    /** A response as Strapi 5 returns it, with its campaign and client populated. */
    private static JsonNode row(long id, int campaign, Random random) {
        ObjectNode row = Json.MAPPER.createObjectNode().put("id", id).put("documentId", "doc" + id);
        ObjectNode campaignNode = row.putObject("campaign").put("documentId", "c" + campaign).put("name", CAMPAIGNS[campaign]);
        campaignNode.putObject("client").put("documentId", "k" + CLIENTS[campaign]).put("name", CLIENTS[campaign]);
        ObjectNode answers = row.putObject("answers");
        answers.put("note", "text " + random.nextInt(1000) + " for " + id);
        if (id % 7 == 0) {
            answers.put("late_" + id / 7 % 3, true); // columns that appear later in id order
        }
        return row;
    }

    @Test
    @DisplayName("segments written at once, rows of five campaigns over many blocks: each campaign reads back whole, in id order, without its campaign")
    void concurrentSegmentsReadBackInIdOrder() throws Exception {
        ExportConfig config = TestConfig.builder().strapiUrl("http://strapi.test").maxCsvColumns(500).build();
        int segments = 4;
        int rowsPerSegment = 6_000; // about 100 bytes a row: several 128 KiB blocks per campaign
        long raw = 0;
        try (ExportSpool spool = new ExportSpool(temp, config, new ResponseColumns(List.of(), config))) {
            ExecutorService pool = Executors.newFixedThreadPool(segments);
            List<Future<Long>> written = new ArrayList<>();
            for (int s = 0; s < segments; s++) {
                int segment = s;
                written.add(pool.submit(() -> {
                    Random random = new Random(segment);
                    long bytes = 0;
                    try (RowSink sink = spool.open(segment)) {
                        for (int i = 0; i < rowsPerSegment; i++) {
                            long id = (long) segment * rowsPerSegment + i + 1;
                            JsonNode row = row(id, (int) (id * 31 % 5), random);
                            bytes += row.toString().length();
                            sink.accept(row);
                        }
                    }
                    return bytes;
                }));
            }
            for (Future<Long> future : written) {
                raw += future.get();
            }
            pool.shutdown();

            assertEquals((long) segments * rowsPerSegment, spool.rows());
            List<ExportSpool.Campaign> campaigns = spool.campaigns();
            assertEquals(List.of("Autumn", "Spring", "Winter", "Only", "One"), campaigns.stream().map(c -> c.name).toList(),
                    "by client name, then campaign name");
            long total = 0;
            for (ExportSpool.Campaign campaign : campaigns) {
                List<Long> ids = new ArrayList<>();
                spool.forEachRow(campaign, row -> {
                    assertFalse(row.has("campaign"), "the campaign is kept once, not on every row");
                    assertEquals("doc" + row.path("id").asLong(), row.path("documentId").asText());
                    ids.add(row.path("id").asLong());
                });
                assertEquals(campaign.rows, ids.size());
                for (int i = 1; i < ids.size(); i++) {
                    assertTrue(ids.get(i - 1) < ids.get(i), "id order within " + campaign.name);
                }
                ids.forEach(id -> assertEquals(campaign.id, "c" + (id * 31 % 5)));
                total += ids.size();
            }
            assertEquals(spool.rows(), total);
            assertEquals(List.of("answers.late_0", "answers.late_1", "answers.late_2", "answers.note"),
                    spool.columns(), "in path order, whichever segment ran first; id and documentId are no columns");
            assertTrue(spool.spooledBytes() < raw / 3, "compressed: " + spool.spooledBytes() + " of " + raw + " bytes");
        }
        try (var left = Files.list(temp)) {
            assertEquals(0, left.count(), "closing the spool deletes its folder");
        }
    }
}
