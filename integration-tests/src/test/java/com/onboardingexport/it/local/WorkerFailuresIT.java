package com.onboardingexport.it.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.onboardingexport.local.LocalApi;
import com.onboardingexport.local.LocalRun;
import com.onboardingexport.local.ProjectRoot;
import com.onboardingexport.local.StrapiFaultProxy;
import com.onboardingexport.shared.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * Background exports that die, through the local run: the API function hands the export to the
 * worker with Lambda's Invoke API; the worker's JVM runs past its timeout, or runs out of memory.
 * The status endpoint then answers failed, and Lambda's failure record lands on the template's
 * dead-letter queue (an SQS queue in moto).
 */
class WorkerFailuresIT {
    private static final Path TEMPLATE = ProjectRoot.find().resolve("template.yaml");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static LocalRun run;
    private static String adminJwt;
    private StrapiFaultProxy proxy;

    @BeforeAll
    static void start() throws Exception {
        run = LocalRun.start(TEMPLATE, 0, 0, System.out::println);
        adminJwt = run.login(LocalRun.ADMIN);
    }

    @AfterAll
    static void stop() {
        if (run != null) {
            run.close();
        }
    }

    @AfterEach
    void stopProxy() {
        if (proxy != null) {
            proxy.close();
        }
    }

    /** The template with the worker's settings changed (its section only), served against Strapi behind a fault proxy. */
    private LocalApi api(Path dir, String workerSetting, String changed, StrapiFaultProxy.Fault workerFault) throws Exception {
        String text = Files.readString(TEMPLATE, StandardCharsets.UTF_8);
        int worker = text.indexOf("  ExportWorkerFunction:");
        int setting = text.indexOf(workerSetting, worker);
        assertTrue(worker > 0 && setting > worker, "the worker sets " + workerSetting);
        Path copy = dir.resolve("template.yaml");
        Files.writeString(copy, text.substring(0, setting) + changed + text.substring(setting + workerSetting.length()));
        // The API function reads the first page once; every later read of the responses is the worker's.
        AtomicInteger responseReads = new AtomicInteger();
        proxy = StrapiFaultProxy.start(run.strapi().url()).plan((n, path) ->
                path.contains("campaign-onboarding-responses") && responseReads.incrementAndGet() > 1 ? workerFault : null);
        return LocalApi.start(run.apiConfig(copy, 0, System.out::println, Map.of("STRAPI_URL", proxy.url().toString())));
    }

    private static String startExport(LocalApi api) throws Exception {
        HttpResponse<String> started = HTTP.send(HttpRequest.newBuilder(api.url().resolve("/exports/onboarding"))
                .header("Authorization", "Bearer " + adminJwt).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"date_range\":\"all_time\",\"mode\":\"async\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(202, started.statusCode(), started.body());
        return Json.MAPPER.readTree(started.body()).path("export_id").asText();
    }

    private static JsonNode awaitFinished(LocalApi api, String exportId, Duration within) throws Exception {
        URI status = api.url().resolve("/exports/onboarding/" + exportId);
        long deadline = System.nanoTime() + within.toNanos();
        JsonNode body = null;
        while (System.nanoTime() < deadline) {
            HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(status).header("Authorization", "Bearer " + adminJwt).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, answer.statusCode(), answer.body());
            body = Json.MAPPER.readTree(answer.body());
            if (!"running".equals(body.path("status").asText())) {
                return body;
            }
            Thread.sleep(500);
        }
        return body;
    }

    /** Lambda's failure record of the job for this export, from the dead-letter queue. */
    private static JsonNode deadLetter(String exportId, Duration within) throws Exception {
        String queueUrl = run.resourceNames().get("ExportWorkerDeadLetterQueue");
        long deadline = System.nanoTime() + within.toNanos();
        try (SqsClient sqs = run.moto().sqs()) {
            while (System.nanoTime() < deadline) {
                for (Message message : sqs.receiveMessage(b -> b.queueUrl(queueUrl).maxNumberOfMessages(10).waitTimeSeconds(1)).messages()) {
                    JsonNode record = Json.MAPPER.readTree(message.body());
                    if (exportId.equals(record.path("requestPayload").path("background_export").path("export_id").asText())) {
                        return record;
                    }
                }
            }
        }
        return null;
    }

    @Test
    @DisplayName("a worker that runs past its timeout (Strapi stops sending mid-page): failed EXPORT_TIMED_OUT on the status endpoint, the event on the dead-letter queue")
    void workerPastItsTimeout(@TempDir Path dir) throws Exception {
        try (LocalApi api = api(dir, "Timeout: 900", "Timeout: 8", StrapiFaultProxy.Fault.stall(Duration.ofSeconds(120)))) {
            String exportId = startExport(api);
            JsonNode status = awaitFinished(api, exportId, Duration.ofSeconds(60));
            assertNotNull(status);
            assertEquals("failed", status.path("status").asText(), status.toString());
            assertEquals("EXPORT_TIMED_OUT", status.path("error").path("code").asText(), status.toString());

            JsonNode record = deadLetter(exportId, Duration.ofSeconds(30));
            assertNotNull(record, "no failure record for " + exportId + " on the dead-letter queue");
            assertTrue(record.path("responsePayload").path("errorMessage").asText().contains("Task timed out"), record.toString());
            assertEquals("RetriesExhausted", record.path("requestContext").path("condition").asText());
        }
    }

    @Test
    @DisplayName("a worker that runs out of memory (an Error, not an exception): failed on the status endpoint, the event on the dead-letter queue")
    void workerOutOfMemory(@TempDir Path dir) throws Exception {
        try (LocalApi api = api(dir, "MemorySize: 2048", "MemorySize: 256", StrapiFaultProxy.Fault.huge(600L << 20))) {
            String exportId = startExport(api);
            JsonNode status = awaitFinished(api, exportId, Duration.ofSeconds(90));
            assertNotNull(status);
            assertEquals("failed", status.path("status").asText(), status.toString());
            assertEquals("INTERNAL", status.path("error").path("code").asText(), status.toString());

            JsonNode record = deadLetter(exportId, Duration.ofSeconds(30));
            assertNotNull(record, "no failure record for " + exportId + " on the dead-letter queue");
            assertTrue(record.path("responsePayload").toString().contains("OutOfMemoryError"), record.toString());
        }
    }
}
