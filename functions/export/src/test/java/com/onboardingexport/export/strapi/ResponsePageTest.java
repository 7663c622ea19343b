package com.onboardingexport.export.strapi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.onboardingexport.shared.Json;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Pages read entry by entry: a response past a bound comes back degraded, its neighbours as Strapi sent them. */
class ResponsePageTest {
    private static final String CAMPAIGN = "{\"id\":3,\"documentId\":\"c1\",\"name\":\"Spring\",\"client\":{\"id\":7,\"documentId\":\"k1\",\"name\":\"Acme\"}}";

    private static String entry(int id, String answers) {
        return "{\"id\":" + id + ",\"documentId\":\"r" + id + "\",\"respondentName\":\"n" + id + "\",\"answers\":" + answers
                + ",\"submittedAt\":\"2026-01-0" + id + "T10:00:00.000Z\",\"campaign\":" + CAMPAIGN + "}";
    }

    private static ResponsePage read(String... entries) throws Exception {
        String page = "{\"data\":[" + String.join(",", entries) + "],\"meta\":{\"pagination\":{\"page\":1,\"pageSize\":100,\"total\":"
                + entries.length + "}}}";
        return ResponsePage.read(new ByteArrayInputStream(page.getBytes(StandardCharsets.UTF_8)), "test");
    }

    @Test
    @DisplayName("answers nested 2,000 deep, a 60,000-character key, a 5,000,000-character text: each response degraded, its neighbours exactly as Strapi sent them")
    void poisonEntriesAreDegradedAlone() throws Exception {
        String normal1 = entry(1, "{\"company\":{\"size\":12,\"name\":\"Zoë 🚀\"},\"goals\":[\"a\",1.5,true,null]}");
        String deep = entry(2, "[".repeat(2_000) + "]".repeat(2_000));
        String longKey = entry(3, "{\"" + "k".repeat(60_000) + "\":1,\"fine\":2}");
        String longText = entry(4, "{\"story\":\"" + "x".repeat(5_000_000) + "\"}");
        String normal2 = entry(5, "{\"nps\":9007199254740993,\"tenth\":0.1}");
        ResponsePage page = read(normal1, deep, longKey, longText, normal2);

        assertEquals(100, page.meta().path("pagination").path("pageSize").asInt());
        List<ResponsePage.Entry> entries = page.entries();
        assertEquals(5, entries.size());
        assertNull(entries.get(0).problem());
        assertEquals(Json.MAPPER.readTree(normal1), entries.get(0).fields(), "read as the whole-page parser reads it");
        assertEquals(Json.MAPPER.readTree(normal2), entries.get(4).fields());
        assertEquals("answers: nested deeper than 64 levels", entries.get(1).problem());
        assertEquals("answers: a key longer than 1,000 characters", entries.get(2).problem());
        assertEquals("answers: a text longer than 1,000,000 characters", entries.get(3).problem());
        for (ResponsePage.Entry degraded : entries.subList(1, 4)) {
            JsonNode fields = degraded.fields();
            assertFalse(fields.has("answers"), "the field past a bound is left out");
            assertEquals("r" + fields.path("id").asInt(), fields.path("documentId").asText());
            assertTrue(fields.path("submittedAt").asText().startsWith("2026-01-0"), fields.toString());
            assertEquals(Json.MAPPER.readTree(CAMPAIGN), fields.path("campaign"), "campaign and client come after the poison, and are read");
            assertFalse(degraded.problem().contains("kkkk") || degraded.problem().contains("xxxx"), "no content in the problem");
        }
    }

    @Test
    @DisplayName("64 levels are read; the 65th is a problem; a Strapi 4 entry's attributes are read field by field")
    void depthBoundAndStrapi4() throws Exception {
        String at64 = "[".repeat(64) + "]".repeat(64);
        String at65 = "[".repeat(65) + "]".repeat(65);
        ResponsePage page = read(entry(1, at64), entry(2, at65),
                "{\"id\":3,\"attributes\":{\"answers\":{\"" + "k".repeat(1_001) + "\":1},\"submittedAt\":\"2026-01-03T10:00:00.000Z\","
                        + "\"campaign\":{\"data\":{\"id\":3,\"attributes\":{\"name\":\"Spring\"}}}}}");
        assertNull(page.entries().get(0).problem());
        assertEquals(Json.MAPPER.readTree(at64), page.entries().get(0).fields().path("answers"));
        assertEquals("answers: nested deeper than 64 levels", page.entries().get(1).problem());
        ResponsePage.Entry v4 = page.entries().get(2);
        assertEquals("answers: a key longer than 1,000 characters", v4.problem());
        assertEquals("2026-01-03T10:00:00.000Z", v4.fields().path("attributes").path("submittedAt").asText());
        assertEquals("Spring", v4.fields().path("attributes").path("campaign").path("data").path("attributes").path("name").asText());
    }
}
