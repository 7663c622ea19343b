package com.onboardingexport.it.export;

import static com.onboardingexport.it.export.ExportIT.csv;
import static com.onboardingexport.it.export.ExportFixture.error;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.onboardingexport.export.BackgroundInvoker;
import com.onboardingexport.export.ExportHandler;
import com.onboardingexport.export.ExportWorkerHandler;
import com.onboardingexport.it.RealParts;
import com.onboardingexport.local.LocalLambdaContext;
import com.onboardingexport.local.StrapiFaultProxy;
import com.onboardingexport.shared.Json;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;

/** Exports above the threshold answer 202 and finish in the background; their status is private to the requester. */
class AsyncExportIT {
    private final ExportFixture fixture = new ExportFixture();
    private final ExecutorService lambdaService = Executors.newCachedThreadPool();
    private final List<JsonNode> deliveredEvents = new CopyOnWriteArrayList<>();
    private StrapiFaultProxy proxy;

    @AfterEach
    void stop() throws Exception {
        lambdaService.shutdown();
        lambdaService.awaitTermination(30, TimeUnit.SECONDS);
        if (proxy != null) {
            proxy.close();
        }
    }

    /** Lambda's asynchronous invocation, played in process: the event runs through the same handler, later, on another thread. */
    private ExportHandler handler(URI strapiUrl, int deliveries) {
        return handler(strapiUrl, deliveries, Map.of());
    }

    private ExportHandler handler(URI strapiUrl, int deliveries, Map<String, String> extraEnv) {
        Map<String, String> env = fixture.env(strapiUrl, RealParts.BUCKET);
        env.put("ASYNC_ROW_THRESHOLD", "100");
        env.putAll(extraEnv);
        ExportWorkerHandler worker = fixture.worker(env, Clock.systemUTC());
        BackgroundInvoker invoker = (arn, event) -> {
            deliveredEvents.add(event);
            for (int i = 0; i < deliveries; i++) {
                lambdaService.submit(() -> ExportFixture.runJob(worker, event, Duration.ofMinutes(2)));
            }
        };
        return fixture.handler(env, Clock.systemUTC(), invoker);
    }

    @Test
    @DisplayName("above the threshold: 202, then running → succeeded, and the file behind the link is complete")
    void largeExportRunsInBackground() throws Exception {
        ExportHandler handler = handler(fixture.parts.strapi.url(), 1);
        APIGatewayProxyResponseEvent accepted = fixture.send(handler, ExportFixture.admin("{\"date_range\":\"all_time\"}"));
        assertEquals(202, accepted.getStatusCode(), accepted.getBody());
        JsonNode body = Json.MAPPER.readTree(accepted.getBody());
        assertEquals("running", body.path("status").asText());
        String exportId = body.path("export_id").asText();
        assertTrue(body.path("status_url").asText().endsWith("/exports/onboarding/" + exportId));

        JsonNode done = awaitFinished(handler, "1", "admin", "", exportId);
        assertEquals("succeeded", done.path("status").asText(), done.toString());
        int expected = fixture.strapiRows("").size();
        assertEquals(expected, done.path("record_count").asInt());
        assertEquals(expected, csv(fixture.download(done.path("download_url").asText()).body()).size());

        Thread.sleep(1_100); // signatures carry the signing time to the second
        JsonNode again = Json.MAPPER.readTree(fixture.send(handler, ExportFixture.statusRequest("1", "admin", "", exportId)).getBody());
        assertTrue(!again.path("download_url").asText().equals(done.path("download_url").asText()), "a freshly signed link each time");
        assertEquals(200, fixture.download(again.path("download_url").asText()).statusCode());
    }

    @Test
    @DisplayName("a background CSV export past MAX_CSV_COLUMNS says so in its status, as a synchronous answer does")
    void backgroundStatusSaysColumnsWereTruncated() throws Exception {
        ExportHandler handler = handler(fixture.parts.strapi.url(), 1, Map.of("MAX_CSV_COLUMNS", "12"));
        APIGatewayProxyResponseEvent accepted = fixture.send(handler, ExportFixture.admin("{\"date_range\":\"all_time\"}"));
        assertEquals(202, accepted.getStatusCode(), accepted.getBody());
        String exportId = Json.MAPPER.readTree(accepted.getBody()).path("export_id").asText();

        JsonNode done = awaitFinished(handler, "1", "admin", "", exportId);
        assertEquals("succeeded", done.path("status").asText(), done.toString());
        assertTrue(done.path("columns_truncated").asBoolean(), done.toString());
        assertEquals("overflow_json", done.path("overflow_column").asText());
        String file = new String(fixture.download(done.path("download_url").asText()).body(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(6 + 12 + 1, file.lines().findFirst().orElseThrow().split(",").length);
    }

    @Test
    @DisplayName("a background export keeps its file fields (XLSX, chosen fields); its status reports a field that matched nothing")
    void backgroundExportKeepsItsFileFields() throws Exception {
        ExportHandler handler = handler(fixture.parts.strapi.url(), 1);
        APIGatewayProxyResponseEvent accepted = fixture.send(handler, ExportFixture.admin(
                "{\"date_range\":\"all_time\",\"file_format\":\"xlsx\",\"fields\":[\"answers.nps\",\"progress\",\"answers.nope\"]}"));
        assertEquals(202, accepted.getStatusCode(), accepted.getBody());
        String exportId = Json.MAPPER.readTree(accepted.getBody()).path("export_id").asText();

        JsonNode done = awaitFinished(handler, "1", "admin", "", exportId);
        assertEquals("succeeded", done.path("status").asText(), done.toString());
        assertEquals("xlsx", done.path("file_format").asText());
        assertEquals("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", done.path("content_type").asText());
        assertEquals(Json.MAPPER.readTree("[\"answers.nope\"]"), done.path("fields_not_found"));
        try (var workbook = new org.apache.poi.xssf.usermodel.XSSFWorkbook(
                new java.io.ByteArrayInputStream(fixture.download(done.path("download_url").asText()).body()))) {
            List<String> header = new java.util.ArrayList<>();
            workbook.getSheetAt(0).getRow(0).forEach(cell -> header.add(cell.getStringCellValue()));
            assertEquals(List.of("response_id", "submitted_at", "campaign_id", "campaign_name", "client_id", "client_name",
                    "answers.nps", "progress"), header);
            assertEquals(fixture.strapiRows("").size() + 1, workbook.getSheetAt(0).getPhysicalNumberOfRows());
        }
    }

    @Test
    @DisplayName("only the requester or an admin may read a status; anyone else gets 404")
    void statusIsPrivate() throws Exception {
        ExportHandler handler = handler(fixture.parts.strapi.url(), 1);
        String acme = fixture.parts.strapi.get("/api/clients?filters[name][$eq]=Acme%20Corp").path("data").get(0).path("documentId").asText();
        APIGatewayProxyResponseEvent accepted = fixture.send(handler, ExportFixture.request("2", "client", acme, "{\"date_range\":\"all_time\"}"));
        assertEquals(202, accepted.getStatusCode(), accepted.getBody());
        String exportId = Json.MAPPER.readTree(accepted.getBody()).path("export_id").asText();
        awaitFinished(handler, "2", "client", acme, exportId);

        error(fixture.send(handler, ExportFixture.statusRequest("3", "client", "other-client", exportId)), 404, "NOT_FOUND");
        error(fixture.send(handler, ExportFixture.statusRequest("3", "client", "other-client", "00000000-0000-0000-0000-000000000000")), 404, "NOT_FOUND");
        error(fixture.send(handler, ExportFixture.statusRequest("2", "client", acme, "../../exports")), 404, "NOT_FOUND");
        assertEquals(200, fixture.send(handler, ExportFixture.statusRequest("1", "admin", "", exportId)).getStatusCode());
    }

    @Test
    @DisplayName("auto, below the row threshold but short of API Gateway's time: it hands itself over, answers 202, and the worker finishes it")
    void autoHandsOverWhenShortOfTime() throws Exception {
        proxy = StrapiFaultProxy.start(fixture.parts.strapi.url());
        proxy.latency(1_000); // every Strapi request takes a second: the whole export takes longer than the time left
        Map<String, String> env = fixture.env(proxy.url(), RealParts.BUCKET);
        env.put("ASYNC_ROW_THRESHOLD", "50000"); // far above the 414 rows: only the clock can send it to the worker
        ExportWorkerHandler worker = fixture.worker(env, Clock.systemUTC());
        ExportHandler handler = fixture.handler(env, Clock.systemUTC(), (arn, event) -> {
            deliveredEvents.add(event);
            lambdaService.submit(() -> ExportFixture.runJob(worker, event, Duration.ofMinutes(2)));
        });
        long started = System.nanoTime();
        // 6 s left in this invocation: the synchronous attempt gets 3 s (6 less 1 s margin, less 2 s to hand over).
        APIGatewayProxyResponseEvent accepted = handler.handleApiRequest(ExportFixture.admin("{\"date_range\":\"all_time\"}"),
                new LocalLambdaContext(Duration.ofSeconds(6)));
        assertTrue(System.nanoTime() - started < Duration.ofSeconds(5).toNanos(), "answered within the invocation's time");
        assertEquals(202, accepted.getStatusCode(), accepted.getBody());
        String exportId = Json.MAPPER.readTree(accepted.getBody()).path("export_id").asText();
        assertEquals(1, deliveredEvents.size());

        JsonNode done = awaitFinished(handler, "1", "admin", "", exportId);
        assertEquals("succeeded", done.path("status").asText(), done.toString());
        int expected = fixture.strapiRows("").size();
        assertEquals(expected, csv(fixture.download(done.path("download_url").asText()).body()).size());
    }

    @Test
    @DisplayName("Strapi failing halfway: the export ends failed, with the error, and leaves no object")
    void failureHalfwayLeavesNoObject() throws Exception {
        proxy = StrapiFaultProxy.start(fixture.parts.strapi.url());
        ExportHandler handler = handler(proxy.url(), 1);
        proxy.plan((n, path) -> n > 3 ? StrapiFaultProxy.Fault.status(500) : null);
        APIGatewayProxyResponseEvent accepted = fixture.send(handler, ExportFixture.admin("{\"date_range\":\"all_time\"}"));
        assertEquals(202, accepted.getStatusCode(), accepted.getBody());
        String exportId = Json.MAPPER.readTree(accepted.getBody()).path("export_id").asText();

        JsonNode done = awaitFinished(handler, "1", "admin", "", exportId);
        assertEquals("failed", done.path("status").asText());
        assertEquals(502, done.path("error").path("status").asInt());
        assertEquals("UPSTREAM_ERROR", done.path("error").path("code").asText());
        assertEquals(0, objectsOf(exportId));
    }

    @Test
    @DisplayName("a duplicate delivery of the background event, at the same time or later, leaves one file and stays succeeded")
    void duplicateDeliveryLeavesOneFile() throws Exception {
        ExportHandler handler = handler(fixture.parts.strapi.url(), 2);
        APIGatewayProxyResponseEvent accepted = fixture.send(handler, ExportFixture.admin("{\"mode\":\"async\",\"file_format\":\"json\"}"));
        assertEquals(202, accepted.getStatusCode(), accepted.getBody());
        String exportId = Json.MAPPER.readTree(accepted.getBody()).path("export_id").asText();
        assertEquals("succeeded", awaitFinished(handler, "1", "admin", "", exportId).path("status").asText());
        lambdaService.shutdown();
        lambdaService.awaitTermination(30, TimeUnit.SECONDS);

        // Lambda's retry of the same event, ten minutes later, on another container.
        ExportWorkerHandler later = fixture.worker(fixture.env(fixture.parts.strapi.url(), RealParts.BUCKET),
                Clock.offset(Clock.systemUTC(), Duration.ofMinutes(10)));
        ExportFixture.runJob(later, deliveredEvents.get(0), Duration.ofMinutes(2));
        JsonNode status = Json.MAPPER.readTree(fixture.send(handler, ExportFixture.statusRequest("1", "admin", "", exportId)).getBody());
        assertEquals("succeeded", status.path("status").asText());
        assertEquals(1, objectsOf(exportId));
    }

    private JsonNode awaitFinished(ExportHandler handler, String userId, String role, String clientId, String exportId) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            APIGatewayProxyResponseEvent response = fixture.send(handler, ExportFixture.statusRequest(userId, role, clientId, exportId));
            assertEquals(200, response.getStatusCode(), response.getBody());
            JsonNode status = Json.MAPPER.readTree(response.getBody());
            if (!"running".equals(status.path("status").asText())) {
                return status;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("export " + exportId + " still running after 60 s");
    }

    /** Export files (not the status object) stored under this export id. */
    private int objectsOf(String exportId) {
        try (S3Client s3 = fixture.parts.s3.client()) {
            return (int) s3.listObjectsV2(b -> b.bucket(RealParts.BUCKET).prefix("exports/")).contents().stream()
                    .filter(o -> o.key().contains("/" + exportId + "/"))
                    .count();
        }
    }
}
