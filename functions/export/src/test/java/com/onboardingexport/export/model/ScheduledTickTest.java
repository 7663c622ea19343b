package com.onboardingexport.export.model;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.onboardingexport.shared.Json;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ScheduledTickTest {
    private static ScheduledTick tick(String json) throws Exception {
        JsonNode event = Json.MAPPER.readTree(json);
        return ScheduledTick.of(event);
    }

    @Test
    void everyDeliveryOfOneTickIsOneExport() throws Exception {
        ScheduledTick first = tick("{\"schedule_name\":\"weekly\",\"scheduled_time\":\"2026-12-07T07:00:00Z\",\"date_range\":\"last_7_days\"}");
        ScheduledTick again = tick("{\"date_range\":\"last_7_days\",\"scheduled_time\":\"2026-12-07T08:00:00+01:00\",\"schedule_name\":\"weekly\"}");
        ScheduledTick next = tick("{\"schedule_name\":\"weekly\",\"scheduled_time\":\"2026-12-14T07:00:00Z\",\"date_range\":\"last_7_days\"}");
        ScheduledTick other = tick("{\"schedule_name\":\"daily\",\"scheduled_time\":\"2026-12-07T07:00:00Z\",\"date_range\":\"last_7_days\"}");
        assertAll(
                () -> assertEquals(first.exportId(), again.exportId(), "the same tick, its fields in another order and another offset"),
                () -> assertEquals(Instant.parse("2026-12-07T07:00:00Z"), again.scheduledTime()),
                () -> assertNotEquals(first.exportId(), next.exportId(), "the next tick"),
                () -> assertNotEquals(first.exportId(), other.exportId(), "another schedule at the same time"),
                () -> assertTrue(first.exportId().matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")),
                () -> assertEquals(Json.MAPPER.readTree("{\"date_range\":\"last_7_days\"}"), first.request(), "the request fields alone"));
    }

    @Test
    void aScheduleIsItsWholeInputButItsTime() throws Exception {
        ScheduledTick acme = tick("{\"schedule_name\":\"new\",\"client_id\":\"acme\",\"scheduled_time\":\"2026-12-07T07:00:00Z\",\"date_range\":\"since_last_run\"}");
        ScheduledTick acmeLater = tick("{\"client_id\":\"acme\",\"date_range\":\"since_last_run\",\"schedule_name\":\"new\",\"scheduled_time\":\"2026-12-08T07:00:00Z\"}");
        ScheduledTick globex = tick("{\"schedule_name\":\"new\",\"client_id\":\"globex\",\"scheduled_time\":\"2026-12-07T07:00:00Z\",\"date_range\":\"since_last_run\"}");
        ScheduledTick allClients = tick("{\"schedule_name\":\"new\",\"scheduled_time\":\"2026-12-07T07:00:00Z\",\"date_range\":\"since_last_run\"}");
        assertAll(
                () -> assertEquals(acme.definition(), acmeLater.definition()),
                () -> assertNotEquals(acme.definition(), globex.definition()),
                () -> assertNotEquals(acme.definition(), allClients.definition()),
                () -> assertTrue(acme.definition().matches("[0-9a-f]{64}"), acme.definition()));
    }

    @Test
    void aTickNeedsItsTime() {
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> tick("{\"schedule_name\":\"weekly\",\"date_range\":\"last_7_days\"}"));
        assertTrue(missing.getMessage().contains("<aws.scheduler.scheduled-time>"), missing.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> tick("{\"schedule_name\":\"weekly\",\"scheduled_time\":\"<aws.scheduler.scheduled-time>\"}"));
        assertThrows(IllegalArgumentException.class,
                () -> tick("{\"schedule_name\":\"../x\",\"scheduled_time\":\"2026-12-07T07:00:00Z\"}"));
        assertThrows(IllegalArgumentException.class,
                () -> tick("{\"schedule_name\":\"weekly\",\"client_id\":\"a/b\",\"scheduled_time\":\"2026-12-07T07:00:00Z\"}"));
    }
}
