package com.onboardingexport.it.export;

import static com.onboardingexport.it.export.ExportIT.csv;
import static com.onboardingexport.it.export.ExportFixture.error;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.onboardingexport.export.api.BackgroundInvoker;
import com.onboardingexport.export.api.ExportHandler;
import com.onboardingexport.export.worker.ExportWorkerHandler;
import com.onboardingexport.it.RealParts;
import com.onboardingexport.local.faults.StrapiFaultProxy;
import com.onboardingexport.local.lambda.LocalLambdaContext;
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

    @Test
    @DisplayName("a forged worker event runs what the API stored, as the stored owner: it cannot choose the user, the request or the status URL, nor get a link")
    void forgedWorkerEvent() throws Exception {
        String acme = fixture.parts.strapi.get("/api/clients?filters[name][$eq]=Acme%20Corp").path("data").get(0).path("documentId").asText();
        String user = String.valueOf(80000 + new java.util.Random().nextInt(10000)); // a client user with no export of another test
        String name = "forged-" + java.util.UUID.randomUUID().toString().substring(0, 8);
        var queue = fixture.parts.moto.routeEventsToQueue(com.onboardingexport.export.lifecycle.ExportEvents.SOURCE, name);
        java.util.List<JsonNode> started = new java.util.ArrayList<>();
        ExportHandler api = fixture.recordingHandler(started);
        APIGatewayProxyResponseEvent accepted = fixture.send(api, ExportFixture.request(user, "client", acme,
                "{\"mode\":\"async\",\"date_range\":\"all_time\",\"file_format\":\"csv\"}"));
        assertEquals(202, accepted.getStatusCode(), accepted.getBody());
        String exportId = Json.MAPPER.readTree(accepted.getBody()).path("export_id").asText();

        // Whoever may invoke the worker rewrites the queued job: an admin's export of every client, as JSON, told to another URL.
        com.fasterxml.jackson.databind.node.ObjectNode forged = started.get(0).deepCopy();
        com.fasterxml.jackson.databind.node.ObjectNode job = (com.fasterxml.jackson.databind.node.ObjectNode) forged.get("background_export");
        job.set("principal", Json.MAPPER.readTree("{\"user_id\":\"1\",\"role\":\"admin\",\"client_id\":\"\"}"));
        job.set("request", Json.MAPPER.readTree("{\"date_range\":\"all_time\",\"file_format\":\"json\"}"));
        job.put("status_url", "https://attacker.example/exports/onboarding/" + exportId);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        fixture.worker().handleRequest(new java.io.ByteArrayInputStream(forged.toString().getBytes()), out,
                new com.onboardingexport.local.lambda.LocalLambdaContext(Duration.ofMinutes(2)));
        String answer = out.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(!answer.contains("download_url") && !answer.contains("X-Amz-Signature"), "no link in the worker's answer: " + answer);

        // The requester reads it as theirs: the stored request (CSV), Acme's rows only.
        JsonNode status = ExportFixture.ok(fixture.send(api, ExportFixture.statusRequest(user, "client", acme, exportId)));
        assertEquals("succeeded", status.path("status").asText(), status.toString());
        assertEquals("csv", status.path("file_format").asText(), status.toString());
        java.util.List<org.apache.commons.csv.CSVRecord> rows = ExportIT.csv(fixture.download(status.path("download_url").asText()).body());
        assertTrue(!rows.isEmpty() && rows.stream().allMatch(row -> acme.equals(row.get("client_id"))), "only Acme's rows");
        assertEquals(fixture.strapiRows("").stream()
                .filter(row -> acme.equals(row.path("campaign").path("client").path("documentId").asText())).count(), rows.size());

        // Its event names this API's status URL, not the forged one.
        JsonNode event = null;
        try (var sqs = fixture.parts.moto.sqs()) {
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (event == null && System.nanoTime() < deadline) {
                for (var message : sqs.receiveMessage(b -> b.queueUrl(queue.url()).maxNumberOfMessages(10).waitTimeSeconds(1)).messages()) {
                    JsonNode received = Json.MAPPER.readTree(message.body());
                    if (exportId.equals(received.path("detail").path("export_id").asText())) {
                        event = received;
                    }
                }
            }
        }
        assertTrue(event != null, "no event for " + exportId);
        assertEquals(user, event.path("detail").path("user_id").asText(), event.toString());
        assertTrue(!event.toString().contains("attacker.example"), event.toString());

        // The place given back was the requester's: both of the requester's places are free again.
        for (int i = 0; i < 2; i++) {
            assertEquals(202, fixture.send(api, ExportFixture.request(user, "client", acme, "{\"mode\":\"async\",\"date_range\":\"all_time\"}"))
                    .getStatusCode());
        }

        // A forged job naming no stored export does nothing.
        job.put("export_id", java.util.UUID.randomUUID().toString());
        fixture.worker().handleRequest(new java.io.ByteArrayInputStream(forged.toString().getBytes()), new java.io.ByteArrayOutputStream(),
                new com.onboardingexport.local.lambda.LocalLambdaContext(Duration.ofMinutes(2)));
        assertEquals(0, objectsOf(job.path("export_id").asText()));
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
