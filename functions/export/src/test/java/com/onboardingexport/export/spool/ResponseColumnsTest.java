package com.onboardingexport.export.spool;

import com.onboardingexport.export.config.TestConfig;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.onboardingexport.shared.Json;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ResponseColumnsTest {
    private static final String ROW = """
            {"id": 7, "documentId": "r7", "createdAt": "2026-01-01T00:00:00.000Z", "updatedAt": "2026-01-01T00:00:00.000Z",
             "publishedAt": "2026-01-01T00:00:00.000Z", "locale": null, "submittedAt": "2026-01-01T00:00:00.000Z",
             "respondentName": "Ann", "progress": "completed",
             "answers": {"goals": ["a","b","c","d","e","f","g","h","i","j","k"], "company": {"size": "1-10", "name": "Acme"},
                         "companySize": 3, "nps": 9}}""";

    private static ResponseColumns columns(List<String> fields, int max) {
        return new ResponseColumns(fields, TestConfig.builder().strapiUrl("http://strapi.test").maxCsvColumns(max).build());
    }

    private static List<String> admitted(ResponseColumns columns, String row) throws Exception {
        ObjectNode own = columns.select((ObjectNode) Json.MAPPER.readTree(row));
        Flattener.flatten("", own, (column, value) -> columns.admit(column));
        return columns.columns();
    }

    @Test
    @DisplayName("by default: no Strapi bookkeeping, no second id or date; sorted by path, array indexes as numbers")
    void defaultColumns() throws Exception {
        assertEquals(List.of("answers.company.name", "answers.company.size", "answers.companySize",
                "answers.goals.0", "answers.goals.1", "answers.goals.2", "answers.goals.3", "answers.goals.4", "answers.goals.5",
                "answers.goals.6", "answers.goals.7", "answers.goals.8", "answers.goals.9", "answers.goals.10",
                "answers.nps", "progress", "respondentName"), admitted(columns(List.of(), 500), ROW));
    }

    @Test
    @DisplayName("the order depends on the columns, never on the order rows or keys arrive in, also when bounded")
    void orderIsStable() {
        List<String> all = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            all.add("answers.q" + (i % 30) + "." + i);
            all.add("answers.list." + i);
        }
        Random random = new Random(42);
        List<String> first = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            Collections.shuffle(all, random);
            ResponseColumns columns = columns(List.of(), 50);
            all.forEach(columns::admit);
            if (first == null) {
                first = columns.columns();
            }
            assertEquals(first, columns.columns());
            assertTrue(columns.truncated());
        }
        assertEquals("answers.list.0", first.get(0));
        assertEquals("answers.list.49", first.get(49), "the first 50 in path order: list.0 … list.49");
    }

    @Test
    @DisplayName("several threads admitting at once keep the same bounded set as one thread")
    void threadSafe() throws Exception {
        List<String> all = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            all.add("answers.k" + i);
        }
        ResponseColumns single = columns(List.of(), 500);
        all.forEach(single::admit);
        ResponseColumns shared = columns(List.of(), 500);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                List<String> mine = new ArrayList<>(all);
                Collections.shuffle(mine, new Random(t));
                done.add(pool.submit(() -> mine.forEach(shared::admit)));
            }
            for (Future<?> future : done) {
                future.get();
            }
        } finally {
            pool.shutdown();
        }
        assertEquals(single.columns(), shared.columns());
        assertTrue(shared.truncated());
        assertEquals(500, shared.columns().size());
    }

    @Test
    @DisplayName("fields: the columns under each name, in the order asked; bookkeeping when asked; what matched nothing")
    void chosenFields() throws Exception {
        ResponseColumns columns = columns(List.of("progress", "answers.company", "answers.nps", "createdAt", "answers.missing", "nothing"), 500);
        assertEquals(List.of("progress", "answers.company.name", "answers.company.size", "answers.nps", "createdAt"), admitted(columns, ROW),
                "answers.company keeps answers.company.* and not answers.companySize");
        assertEquals(List.of("answers.missing", "nothing"), columns.fieldsNotFound());
        assertFalse(columns.truncated());
        assertFalse(columns.wanted("documentId"), "the identity rides along for the leading columns, not as a column");
        assertFalse(columns.wanted("answers.companySize"));
    }

    @Test
    @DisplayName("a name asked twice, in and under another, ranks by the first that holds the column")
    void overlappingFields() throws Exception {
        ResponseColumns columns = columns(List.of("answers.nps", "answers", "answers.goals.10"), 500);
        List<String> names = admitted(columns, ROW);
        assertEquals("answers.nps", names.get(0));
        assertEquals("answers.company.name", names.get(1));
        assertTrue(names.contains("answers.goals.10"));
        assertEquals(List.of(), columns.fieldsNotFound());
    }

    @Test
    @DisplayName("select: identity and the paths asked for, in that order; a path into an array keeps the array")
    void selectPrunes() throws Exception {
        ObjectNode own = (ObjectNode) Json.MAPPER.readTree(ROW);
        ObjectNode selected = columns(List.of("answers.company.size", "progress", "answers.goals.1", "respondentName.first", "absent.x"), 500)
                .select(own);
        assertEquals(Json.MAPPER.readTree("""
                {"documentId": "r7", "submittedAt": "2026-01-01T00:00:00.000Z",
                 "answers": {"company": {"size": "1-10"}, "goals": ["a","b","c","d","e","f","g","h","i","j","k"]},
                 "progress": "completed"}"""), selected);
        assertEquals(List.of("documentId", "submittedAt", "answers", "progress"), List.copyOf(iterable(selected)));
        assertEquals(Json.MAPPER.readTree(ROW), own, "the response itself is left as it was");
        assertSame(own, columns(List.of(), 500).select(own), "without fields, the response as it is");
        assertEquals(Json.MAPPER.readTree("{\"documentId\": \"r7\", \"submittedAt\": \"2026-01-01T00:00:00.000Z\"}"),
                columns(List.of("answers.company.missing"), 500).select(own), "no empty object on the way to nothing");
    }

    @Test
    void pathOrder() {
        List<String> paths = new ArrayList<>(List.of("a.10", "a.9", "a.b", "a", "a.09", "a.2.x", "a.2", "B", "a_b"));
        paths.sort(ResponseColumns.PATH_ORDER);
        assertEquals(List.of("B", "a", "a.2", "a.2.x", "a.09", "a.9", "a.10", "a.b", "a_b"), paths);
    }

    private static List<String> iterable(ObjectNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
