package com.onboardingexport.export.worker;

import static com.onboardingexport.export.TestStack.ACME_USER;
import static com.onboardingexport.export.TestStack.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.onboardingexport.export.TestStack;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The worker function's two events as Lambda delivers them (JSON in, JSON out), and what it refuses. */
class ExportWorkerHandlerTest {
    private final TestStack stack = new TestStack(6);

    @AfterEach
    void close() {
        stack.close();
    }

    @Test
    @DisplayName("a job handed over by the API function: runs it and answers {}")
    void job() {
        String exportId = TestStack.body(stack.post(ACME_USER, "{\"mode\":\"async\"}")).path("export_id").asText();

        assertEquals(json("{}"), stack.runWorker(stack.onlyHandedOver(), "worker-1"));

        assertEquals("succeeded", stack.storedStatus(exportId).path("status").asText());
    }

    @Test
    @DisplayName("a job whose owner the event rewrites runs as the owner stored with its status")
    void jobRunsAsItsStoredOwner() {
        String exportId = TestStack.body(stack.post(ACME_USER, "{\"mode\":\"async\"}")).path("export_id").asText();
        JsonNode forged = stack.onlyHandedOver().deepCopy();
        ((com.fasterxml.jackson.databind.node.ObjectNode) forged.path("background_export").path("principal"))
                .put("user_id", "1").put("role", "admin").put("client_id", "");

        stack.runWorker(forged, "worker-1");

        JsonNode status = stack.storedStatus(exportId);
        assertEquals("7", status.path("owner_user_id").asText());
        assertEquals(3, status.path("result").path("record_count").asLong(), "acme's rows only");
    }

    @Test
    @DisplayName("a tick of a schedule of every client: runs it and answers its status without a link")
    void tick() {
        JsonNode answer = stack.runWorker(json("{\"schedule_name\":\"weekly\",\"scheduled_time\":\"2026-03-15T07:00:00Z\","
                + "\"date_range\":\"last_7_days\",\"file_format\":\"json\"}"), "scheduled-1");

        assertEquals("succeeded", answer.path("status").asText());
        assertEquals("weekly", answer.path("schedule_name").asText());
        assertEquals(6, answer.path("record_count").asLong(), "every client's rows");
        assertEquals("json", answer.path("file_format").asText());
        assertEquals(List.of("download_url", "expires_at"), List.of("download_url", "expires_at").stream()
                .filter(name -> answer.path(name).isMissingNode()).toList(), "no link, no expiry");
    }

    @Test
    @DisplayName("an event that is neither a job nor a tick, or a job that is not one, is refused")
    void unrecognisedEvents() {
        assertThrows(IllegalArgumentException.class, () -> stack.runWorker(json("{\"hello\":1}"), "worker-1"));
        assertThrows(IllegalArgumentException.class, () -> stack.runWorker(json("{\"background_export\":[1]}"), "worker-1"));
        assertEquals(List.of(), stack.store.keys(""));
    }
}
