package com.onboardingexport.shared;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class TracesTest {
    @Test
    @DisplayName("without a daemon address (tests, the local run unless asked) a span does nothing and writes nothing, even with a trace header")
    void offWithoutDaemon() {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream written = new ByteArrayOutputStream();
        System.setProperty("com.amazonaws.xray.traceHeader", "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1");
        try (PrintStream capture = new PrintStream(written, true, StandardCharsets.UTF_8)) {
            System.setOut(capture);
            System.setErr(capture);
            assertDoesNotThrow(() -> {
                try (Traces.Span span = Traces.open("Strapi").annotate("path", "campaigns").annotate("http_status", 200)) {
                    span.fail(new IllegalStateException("refused"));
                }
            });
        } finally {
            System.setOut(out);
            System.setErr(err);
            System.clearProperty("com.amazonaws.xray.traceHeader");
        }
        assertEquals("", written.toString(StandardCharsets.UTF_8));
    }

    @Test
    @DisplayName("priming ends its span (nothing half-open in a snapshot) and serialises it as the daemon would get it")
    void primingLeavesNoOpenSpan() throws Exception {
        JsonNode span = Json.MAPPER.readTree(Traces.prime());
        assertEquals("Priming", span.path("name").asText());
        assertEquals("subsegment", span.path("type").asText());
        assertFalse(span.path("in_progress").asBoolean(false), span.toString());
        assertTrue(span.path("end_time").asDouble() >= span.path("start_time").asDouble(), span.toString());
        assertEquals(200, span.path("annotations").path("http_status").asInt(), span.toString());
        assertTrue(span.path("fault").asBoolean(), span.toString());
    }
}
