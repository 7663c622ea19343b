package com.onboardingexport.export.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.onboardingexport.export.format.FileFormat;
import com.onboardingexport.shared.Json;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The job event: its request written resolved, read back typed as it is, and never fatal to the event when forged. */
class ExportJobTest {
    private static final Instant POSTED = Instant.parse("2026-03-15T10:29:00.123456789Z");
    private final ExportRequestParser parser = new ExportRequestParser(100, Clock.fixed(POSTED, ZoneOffset.UTC));

    @Test
    @DisplayName("the job's request is the resolved window of the POST, written and read back as it is")
    void resolvedRoundTrip() throws Exception {
        ExportRequest posted = parser.parseBody("{\"campaign_ids\":[\"c1\"],\"date_range\":\"last_30_days\",\"timezone\":\"Europe/Zurich\","
                + "\"file_format\":\"csv\",\"csv\":{\"bom\":true,\"delimiter\":\";\"},\"fields\":[\"progress\"],\"mode\":\"async\"}");
        ExportJob job = new ExportJob("e", POSTED.toString(), "r", new ExportJob.Owner("7", "client", "acme"), posted.resolved(), "/s");
        String json = Json.MAPPER.writeValueAsString(job);
        assertEquals("{\"export_id\":\"e\",\"requested_at\":\"2026-03-15T10:29:00.123456789Z\",\"request_id\":\"r\","
                + "\"principal\":{\"user_id\":\"7\",\"role\":\"client\",\"client_id\":\"acme\"},\"request\":{\"campaign_ids\":[\"c1\"],"
                + "\"date_range\":\"2026-02-13T10:29:00.123456789Z/2026-03-15T10:29:00.123456789Z\",\"timezone\":\"Europe/Zurich\","
                + "\"file_format\":\"csv\",\"mode\":\"sync\",\"compression\":\"none\",\"csv\":{\"bom\":true,\"delimiter\":\";\"},"
                + "\"fields\":[\"progress\"]},\"status_url\":\"/s\"}", json);
        ExportRequest read = Json.MAPPER.readValue(json, ExportJob.class).request();
        assertEquals(posted.resolved(), read);
        assertEquals(posted.dateRange().start(), read.dateRange().start());
        assertEquals(posted.dateRange().end(), read.dateRange().end());
    }

    @Test
    @DisplayName("a forged event's request that is not a resolved request reads as none; the event still names its export")
    void forgedRequest() throws Exception {
        ExportJob forged = Json.MAPPER.readValue("{\"export_id\":\"e\",\"request\":{\"file_format\":\"csv\"}}", ExportJob.class);
        assertEquals("e", forged.exportId());
        assertNull(forged.request());
        ExportJob allTime = Json.MAPPER.readValue("{\"export_id\":\"e\",\"request\":{\"date_range\":\"all_time\",\"file_format\":\"json\"}}",
                ExportJob.class);
        assertEquals(FileFormat.JSON, allTime.request().format());
        assertEquals(DateRange.allTime(), allTime.request().dateRange());
    }
}
