package com.onboardingexport.export.model;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.amazonaws.services.lambda.runtime.serialization.factories.JacksonFactory;
import com.onboardingexport.shared.Json;
import java.io.ByteArrayInputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The worker's two events read in one place: a background export's job, a schedule's tick, and what is refused. */
class WorkerEventTest {
    private static final String JOB = """
            {"export_id": "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "requested_at": "2026-03-15T10:29:00Z", "request_id": "api-request-1",
             "principal": {"user_id": "7", "role": "client", "client_id": "acme"},
             "request": {"date_range": "2026-01-01T00:00:00Z/2026-03-15T10:29:00Z", "file_format": "xlsx"},
             "status_url": "https://api.example/exports/onboarding/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"}""";
    private static final String TICK = """
            {"schedule_name": "weekly", "client_id": "acme", "scheduled_time": "2026-12-07T07:00:00Z", "date_range": "last_7_days"}""";
    private static final String UNRECOGNISED = "Unrecognised event: neither a background export nor a scheduled export";
    private static final String NOT_A_JOB = "The background export event is not a job";

    private static WorkerEvent read(String json) throws Exception {
        return WorkerEvent.read(Json.MAPPER.readTree(json));
    }

    @Test
    @DisplayName("{\"background_export\": job} reads as a background export with every field of the job")
    void readsAJob() throws Exception {
        BackgroundExportEvent event = assertInstanceOf(BackgroundExportEvent.class, read("{\"background_export\": " + JOB + "}"));
        ExportJob job = event.job();
        assertAll(
                () -> assertEquals("0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", job.exportId()),
                () -> assertEquals("2026-03-15T10:29:00Z", job.requestedAt()),
                () -> assertEquals("api-request-1", job.requestId()),
                () -> assertEquals(new ExportJob.Owner("7", "client", "acme"), job.principal()),
                () -> assertEquals("2026-01-01T00:00:00Z/2026-03-15T10:29:00Z", job.request().dateRangeText()),
                () -> assertEquals(com.onboardingexport.export.format.FileFormat.XLSX, job.request().format()),
                () -> assertEquals("https://api.example/exports/onboarding/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", job.statusUrl()));
    }

    @Test
    @DisplayName("the event the API function sends is the one the worker reads, and the same JSON as before the sealed type")
    void writesTheEventItReads() throws Exception {
        ExportJob job = Json.MAPPER.treeToValue(Json.MAPPER.readTree(JOB), ExportJob.class);
        BackgroundExportEvent event = new BackgroundExportEvent(job);
        String sent = Json.MAPPER.writeValueAsString(event.toJson());
        assertEquals(Json.MAPPER.writeValueAsString(Json.MAPPER.createObjectNode().set("background_export", Json.MAPPER.valueToTree(job))), sent);
        assertEquals(event, read(sent));
    }

    @Test
    @DisplayName("a schedule's input reads as its tick, exactly as ScheduledTick.of reads it")
    void readsATick() throws Exception {
        ScheduledTick tick = assertInstanceOf(ScheduledTick.class, read(TICK));
        assertEquals(ScheduledTick.of(Json.MAPPER.readTree(TICK)), tick);
        assertEquals("weekly", tick.scheduleName());
        assertEquals("acme", tick.clientId());
    }

    @Test
    @DisplayName("an event with both keys is a background export, as it was when the handler tested background_export first")
    void aJobWinsOverAScheduleName() throws Exception {
        assertInstanceOf(BackgroundExportEvent.class, read("{\"schedule_name\": \"weekly\", \"background_export\": " + JOB + "}"));
    }

    @Test
    @DisplayName("neither key, or no object at all: unrecognised, with no cause")
    void refusesAnUnrecognisedEvent() {
        for (String json : new String[] {"{}", "null", "[]", "\"text\"", "42", "{\"scheduleName\": \"weekly\"}", "{\"export_id\": \"x\"}"}) {
            WorkerEvent.Unreadable refused = assertThrows(WorkerEvent.Unreadable.class, () -> read(json), json);
            assertAll(json,
                    () -> assertEquals(UNRECOGNISED, refused.getMessage()),
                    () -> assertEquals("unrecognised event", refused.logMessage()),
                    () -> assertNull(refused.getCause()));
        }
        assertEquals(UNRECOGNISED, assertThrows(WorkerEvent.Unreadable.class, () -> WorkerEvent.read(null)).getMessage());
    }

    @Test
    @DisplayName("a background_export that is not a job: refused as not a job")
    void refusesAMalformedJob() {
        for (String job : new String[] {"\"not a job\"", "null", "[1, 2]", "{\"export_id\": {\"nested\": true}}", "{\"principal\": \"admin\"}"}) {
            String json = "{\"background_export\": " + job + "}";
            WorkerEvent.Unreadable refused = assertThrows(WorkerEvent.Unreadable.class, () -> read(json), json);
            assertAll(json,
                    () -> assertEquals(NOT_A_JOB, refused.getMessage()),
                    () -> assertEquals("background export event is not a job", refused.logMessage()));
        }
    }

    @Test
    @DisplayName("a tick with a malformed field: refused with the message naming the field, not as unrecognised")
    void refusesAMalformedTick() {
        IllegalArgumentException badName = assertThrows(IllegalArgumentException.class,
                () -> read("{\"schedule_name\": \"../x\", \"scheduled_time\": \"2026-12-07T07:00:00Z\"}"));
        assertFalse(badName instanceof WorkerEvent.Unreadable);
        assertEquals("schedule_name must match " + ScheduledTick.SCHEDULE_NAME.pattern(), badName.getMessage());
        IllegalArgumentException noTime = assertThrows(IllegalArgumentException.class, () -> read("{\"schedule_name\": \"weekly\"}"));
        assertFalse(noTime instanceof WorkerEvent.Unreadable);
        assertEquals("client_id must match " + ScheduledTick.CLIENT_ID.pattern(), assertThrows(IllegalArgumentException.class,
                () -> read("{\"schedule_name\": \"weekly\", \"client_id\": \"a/b\", \"scheduled_time\": \"2026-12-07T07:00:00Z\"}")).getMessage());
    }

    @Test
    @DisplayName("why the worker reads its own stream: the Java runtime's serializer, with a relocated Jackson, builds neither the sealed type nor the job")
    void theRuntimesSerializerCannotReadIt() {
        String relocated = "com.amazonaws.lambda.thirdparty.com.fasterxml.jackson.databind.exc.InvalidDefinitionException";
        UncheckedIOException sealed = assertThrows(UncheckedIOException.class,
                () -> JacksonFactory.getInstance().getSerializer(WorkerEvent.class).fromJson(stream(TICK)));
        assertEquals(relocated, sealed.getCause().getClass().getName(), "our @JsonTypeInfo could not help: it is not its annotation");
        ExportJob job = JacksonFactory.getInstance().getSerializer(ExportJob.class).fromJson(stream(JOB));
        assertNull(job.exportId(), "@JsonNaming(snake_case) is not seen: export_id is lost");
        assertNull(job.request().format(), "nor our @JsonCreator: the request is an empty shell, its format lost");
        ExportJob.Owner owner = JacksonFactory.getInstance().getSerializer(ExportJob.Owner.class)
                .fromJson(stream("{\"user_id\": \"7\", \"role\": \"client\", \"client_id\": \"acme\"}"));
        assertEquals(new ExportJob.Owner(null, "client", null), owner, "@JsonNaming(snake_case) is not seen: user_id and client_id are lost");
    }

    private static ByteArrayInputStream stream(String json) {
        return new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8));
    }
}
