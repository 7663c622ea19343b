package com.onboardingexport.it.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.onboardingexport.export.api.ExportHandler;
import com.onboardingexport.export.lifecycle.ExportEvents;
import com.onboardingexport.export.worker.ExportWorkerHandler;
import com.onboardingexport.local.lambda.LocalLambdaContext;
import com.onboardingexport.local.services.LocalMoto;
import com.onboardingexport.local.template.ProjectRoot;
import com.onboardingexport.shared.Json;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * Every finished export (synchronous, background, scheduled) puts one event on EventBridge,
 * delivered here as a user would route it: a rule on the default bus to an SQS queue, in moto.
 */
class ExportEventsIT {
    private static final ExportFixture FIXTURE = new ExportFixture();
    private static final Set<String> DETAIL_FIELDS = Set.of("export_id", "status", "mode", "user_id", "role", "client_id",
            "schedule_name", "file_format", "record_count", "size_bytes", "key", "status_url", "error_code", "message", "rows_degraded");
    private static LocalMoto.Queue queue;
    private final Map<String, JsonNode> received = new HashMap<>();

    @BeforeAll
    static void routeTheEvents() {
        queue = FIXTURE.parts.moto.routeEventsToQueue(ExportEvents.SOURCE, "export-events-" + UUID.randomUUID().toString().substring(0, 8));
    }

    /** The event of an export, from the queue (waiting for it a little). */
    private JsonNode eventOf(String exportId) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        try (SqsClient sqs = FIXTURE.parts.moto.sqs()) {
            while (!received.containsKey(exportId) && System.nanoTime() < deadline) {
                for (Message message : sqs.receiveMessage(b -> b.queueUrl(queue.url()).maxNumberOfMessages(10).waitTimeSeconds(1)).messages()) {
                    JsonNode event = Json.MAPPER.readTree(message.body());
                    JsonNode previous = received.put(event.path("detail").path("export_id").asText(), event);
                    assertTrue(previous == null, "one event per export: " + event);
                }
            }
        }
        return received.get(exportId);
    }

    private static void assertDocumented(JsonNode event, String detailType, String exportId) {
        assertEquals(ExportEvents.SOURCE, event.path("source").asText(), event.toString());
        assertEquals(detailType, event.path("detail-type").asText(), event.toString());
        JsonNode detail = event.path("detail");
        Set<String> fields = new TreeSet<>();
        for (Iterator<String> it = detail.fieldNames(); it.hasNext(); ) {
            fields.add(it.next());
        }
        assertTrue(DETAIL_FIELDS.containsAll(fields), "only documented fields: " + fields);
        assertEquals(exportId, detail.path("export_id").asText());
        assertTrue(detail.path("status_url").asText().endsWith("/exports/onboarding/" + exportId), detail.toString());
        String text = event.toString();
        assertFalse(text.contains("X-Amz-Signature") || text.contains("download_url"), "never a link: " + text);
        assertFalse(text.contains("respondent") || text.contains("answers"), "never row data: " + text);
    }

    @Test
    @DisplayName("a synchronous export: Export Succeeded with who, format, rows, size, key and its status URL, which re-signs its link")
    void synchronousExport() throws Exception {
        ExportHandler handler = FIXTURE.handler();
        JsonNode body = ExportFixture.ok(FIXTURE.send(handler, ExportFixture.admin("{\"date_range\":\"all_time\",\"mode\":\"sync\"}")));
        String exportId = body.path("export_id").asText();
        JsonNode event = eventOf(exportId);
        assertNotNull(event, "no event for " + exportId);
        assertDocumented(event, ExportEvents.SUCCEEDED, exportId);
        JsonNode detail = event.path("detail");
        assertEquals("sync", detail.path("mode").asText());
        assertEquals("1", detail.path("user_id").asText());
        assertEquals("admin", detail.path("role").asText());
        assertEquals("csv", detail.path("file_format").asText());
        assertEquals(body.path("record_count").asLong(), detail.path("record_count").asLong());
        assertEquals(body.path("size_bytes").asLong(), detail.path("size_bytes").asLong());
        assertTrue(detail.path("key").asText().endsWith("/" + body.path("filename").asText()));

        JsonNode status = ExportFixture.ok(FIXTURE.send(handler, ExportFixture.statusRequest("1", "admin", "", exportId)));
        assertEquals("succeeded", status.path("status").asText());
        assertEquals(200, FIXTURE.download(status.path("download_url").asText()).statusCode());
    }

    @Test
    @DisplayName("a background export: Export Succeeded, mode async, from the worker")
    void backgroundExport() throws Exception {
        ExportWorkerHandler worker = FIXTURE.worker();
        Map<String, String> env = FIXTURE.env(FIXTURE.parts.strapi.url(), com.onboardingexport.it.RealParts.BUCKET);
        ExportHandler handler = FIXTURE.handler(env, Clock.systemUTC(), (arn, job) -> ExportFixture.runJob(worker, job, Duration.ofMinutes(2)));
        APIGatewayProxyResponseEvent accepted = FIXTURE.send(handler, ExportFixture.request("9301", "admin", "",
                "{\"date_range\":\"all_time\",\"mode\":\"async\",\"file_format\":\"json\"}"));
        assertEquals(202, accepted.getStatusCode(), accepted.getBody());
        String exportId = Json.MAPPER.readTree(accepted.getBody()).path("export_id").asText();
        JsonNode event = eventOf(exportId);
        assertNotNull(event, "no event for " + exportId);
        assertDocumented(event, ExportEvents.SUCCEEDED, exportId);
        assertEquals("async", event.path("detail").path("mode").asText());
        assertEquals("json", event.path("detail").path("file_format").asText());
        assertEquals("9301", event.path("detail").path("user_id").asText());
    }

    @Test
    @DisplayName("scheduled exports: Export Succeeded with the schedule's name and client; a failed one Export Failed with its code")
    void scheduledExports() throws Exception {
        ObjectNode input = (ObjectNode) Json.MAPPER.readTree(Files.readAllBytes(ProjectRoot.find().resolve("events/scheduled-export-client.json")));
        input.put("date_range", "all_time");
        ExportWorkerHandler worker = FIXTURE.worker();
        JsonNode done = worker.handleScheduledExport(ExportFixture.newTick(input), new LocalLambdaContext(Duration.ofMinutes(5)));
        JsonNode event = eventOf(done.path("export_id").asText());
        assertNotNull(event, "no event for " + done);
        assertDocumented(event, ExportEvents.SUCCEEDED, done.path("export_id").asText());
        assertEquals("scheduled", event.path("detail").path("mode").asText());
        assertEquals("weekly-acme", event.path("detail").path("schedule_name").asText());
        assertEquals(input.path("client_id").asText(), event.path("detail").path("client_id").asText());
        assertTrue(event.path("detail").path("user_id").isMissingNode(), "a schedule is no user");

        input.put("date_range", "2001-01-01/2001-01-31");
        JsonNode failed = worker.handleScheduledExport(ExportFixture.newTick(input), new LocalLambdaContext(Duration.ofMinutes(5)));
        JsonNode failure = eventOf(failed.path("export_id").asText());
        assertNotNull(failure, "no event for " + failed);
        assertDocumented(failure, ExportEvents.FAILED, failed.path("export_id").asText());
        assertEquals("NO_DATA", failure.path("detail").path("error_code").asText());
    }
}
