package com.onboardingexport.it.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.onboardingexport.export.ExportWorkerHandler;
import com.onboardingexport.it.RealParts;
import com.onboardingexport.local.LocalLambdaContext;
import com.onboardingexport.local.ProjectRoot;
import com.onboardingexport.shared.Json;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The EventBridge Scheduler input of events/scheduled-export.json, run through the worker's Lambda entry point. */
class ScheduledExportIT {
    private final ExportFixture fixture = new ExportFixture();

    @Test
    @DisplayName("a scheduled export runs as the system principal and writes under scheduled/<schedule name>/")
    void scheduledEventExports() throws Exception {
        Instant now = Instant.now();
        ExportWorkerHandler handler = fixture.worker(fixture.env(fixture.parts.strapi.url(), RealParts.BUCKET), Clock.fixed(now, ZoneOffset.UTC));
        byte[] event = Files.readAllBytes(ProjectRoot.find().resolve("events/scheduled-export.json"));
        JsonNode result = invoke(handler, event);

        String key = URI.create(result.path("download_url").asText()).getPath().replaceFirst("^/" + RealParts.BUCKET + "/", "");
        assertTrue(key.startsWith("scheduled/weekly-all-campaigns/" + result.path("export_id").asText() + "/"), key);
        Instant weekAgo = now.minus(Duration.ofDays(7));
        long expected = fixture.strapiRows("").stream()
                .map(row -> Instant.parse(row.path("submittedAt").asText()))
                .filter(at -> !at.isBefore(weekAgo) && at.isBefore(now)).count();
        assertEquals(expected, result.path("record_count").asLong());
        assertEquals(expected, ExportIT.csv(fixture.download(result.path("download_url").asText()).body()).size());
    }

    @Test
    @DisplayName("a schedule that finds nothing answers the error body (no retry), a bad schedule name is refused")
    void scheduledErrors() throws Exception {
        ExportWorkerHandler handler = fixture.worker();
        ObjectNode empty = (ObjectNode) Json.MAPPER.readTree(Files.readAllBytes(ProjectRoot.find().resolve("events/scheduled-export.json")));
        empty.put("date_range", "2001-01-01/2001-01-31");
        assertEquals("NO_DATA", invoke(handler, empty.toString().getBytes()).path("error").path("code").asText());

        empty.put("schedule_name", "../../exports/user-1");
        assertThrows(IllegalArgumentException.class, () -> invoke(handler, empty.toString().getBytes()));
    }

    private static JsonNode invoke(ExportWorkerHandler handler, byte[] event) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        handler.handleRequest(new ByteArrayInputStream(event), out, new LocalLambdaContext(Duration.ofMinutes(5)));
        return Json.MAPPER.readTree(out.toByteArray());
    }
}
