package com.onboardingexport.it.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.onboardingexport.export.worker.ExportWorkerHandler;
import com.onboardingexport.it.RealParts;
import com.onboardingexport.local.faults.StrapiFaultProxy;
import com.onboardingexport.local.lambda.LocalLambdaContext;
import com.onboardingexport.local.template.ProjectRoot;
import com.onboardingexport.shared.ApiException;
import com.onboardingexport.shared.ErrorCode;
import com.onboardingexport.shared.Json;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
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
        ObjectNode event = (ObjectNode) Json.MAPPER.readTree(Files.readAllBytes(ProjectRoot.find().resolve("events/scheduled-export.json")));
        event.put("scheduled_time", now.toString());
        JsonNode result = invoke(handler, event.toString().getBytes());
        assertTrue(result.path("download_url").isMissingNode() && !result.toString().contains("X-Amz-Signature"),
                "the worker answers no link: " + result);
        String link = fixture.link(result.path("export_id").asText());

        String key = URI.create(link).getPath().replaceFirst("^/" + RealParts.BUCKET + "/", "");
        assertTrue(key.startsWith("scheduled/weekly-all-campaigns/" + result.path("export_id").asText() + "/"), key);
        Instant weekAgo = now.minus(Duration.ofDays(7));
        long expected = fixture.strapiRows("").stream()
                .map(row -> Instant.parse(row.path("submittedAt").asText()))
                .filter(at -> !at.isBefore(weekAgo) && at.isBefore(now)).count();
        assertEquals(expected, result.path("record_count").asLong());
        assertEquals(expected, ExportIT.csv(fixture.download(link).body()).size());
    }

    @Test
    @DisplayName("one tick, one export: delivered twice at once and a third time 50 minutes late, one status, one file, one event, the on-time window")
    void oneTickOneExport() throws Exception {
        String name = "tick-" + java.util.UUID.randomUUID().toString().substring(0, 8);
        var queue = fixture.parts.moto.routeEventsToQueue(com.onboardingexport.export.lifecycle.ExportEvents.SOURCE, name);
        Instant tick = Instant.now().minus(Duration.ofMinutes(50)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        // Submitted 20 minutes after the tick: an on-time run cannot see it; a window taken at a late delivery's clock would.
        String campaign = fixture.parts.strapi.get("/api/campaigns").path("data").get(0).path("documentId").asText();
        String afterTheTick = "after-the-tick-" + name;
        fixture.parts.strapi.createResponse(campaign, afterTheTick, tick.plus(Duration.ofMinutes(20)));
        ObjectNode input = (ObjectNode) Json.MAPPER.readTree(Files.readAllBytes(ProjectRoot.find().resolve("events/scheduled-export.json")));
        input.put("schedule_name", name).put("scheduled_time", tick.toString());
        byte[] event = input.toString().getBytes();
        var env = fixture.env(fixture.parts.strapi.url(), RealParts.BUCKET);

        java.util.concurrent.ExecutorService two = java.util.concurrent.Executors.newFixedThreadPool(2);
        java.util.concurrent.Callable<JsonNode> onTime = () -> invoke(fixture.worker(env, Clock.fixed(tick.plusSeconds(1), ZoneOffset.UTC)), event);
        List<JsonNode> answers = new java.util.ArrayList<>();
        for (var answer : two.invokeAll(List.of(onTime, onTime))) {
            answers.add(answer.get());
        }
        two.shutdown();
        answers.add(invoke(fixture.worker(env, Clock.fixed(tick.plus(Duration.ofMinutes(50)), ZoneOffset.UTC)), event));

        String exportId = answers.get(0).path("export_id").asText();
        assertTrue(answers.stream().allMatch(a -> exportId.equals(a.path("export_id").asText())), answers::toString);
        JsonNode last = answers.get(2);
        assertEquals("succeeded", last.path("status").asText(), last.toString());
        try (var s3 = fixture.parts.s3.client()) {
            List<String> files = s3.listObjectsV2(b -> b.bucket(RealParts.BUCKET).prefix("scheduled/" + name + "/")).contents()
                    .stream().map(o -> o.key()).toList();
            assertEquals(1, files.size(), files::toString);
            List<String> statuses = s3.listObjectsV2(b -> b.bucket(RealParts.BUCKET).prefix("status/" + exportId)).contents()
                    .stream().map(o -> o.key()).toList();
            assertEquals(List.of("status/" + exportId + ".json"), statuses);
        }
        List<JsonNode> events = new java.util.ArrayList<>();
        try (var sqs = fixture.parts.moto.sqs()) {
            long until = System.nanoTime() + Duration.ofSeconds(6).toNanos();
            while (System.nanoTime() < until) {
                for (var message : sqs.receiveMessage(b -> b.queueUrl(queue.url()).maxNumberOfMessages(10).waitTimeSeconds(1)).messages()) {
                    JsonNode received = Json.MAPPER.readTree(message.body());
                    if (exportId.equals(received.path("detail").path("export_id").asText())) {
                        events.add(received);
                    }
                }
            }
        }
        assertEquals(1, events.size(), events::toString);

        // The window of an on-time run: the 7 days before the tick.
        long expected = onTimeRows(tick);
        assertEquals(expected, last.path("record_count").asLong(), last.toString());
        List<String> respondents = ExportIT.csv(fixture.download(fixture.link(exportId)).body()).stream()
                .map(row -> row.get("respondentName")).toList();
        assertEquals(expected, respondents.size());
        assertTrue(!respondents.contains(afterTheTick), "a row submitted after the tick");

        // Another tick that only comes late: the window is still its scheduled time's.
        Instant nextTick = tick.plus(Duration.ofMinutes(1));
        input.put("scheduled_time", nextTick.toString());
        JsonNode lateOnly = invoke(fixture.worker(env, Clock.fixed(nextTick.plus(Duration.ofMinutes(49)), ZoneOffset.UTC)),
                input.toString().getBytes());
        assertEquals("succeeded", lateOnly.path("status").asText(), lateOnly.toString());
        assertEquals(onTimeRows(nextTick), lateOnly.path("record_count").asLong());
        assertTrue(ExportIT.csv(fixture.download(fixture.link(lateOnly.path("export_id").asText())).body()).stream()
                .noneMatch(row -> afterTheTick.equals(row.get("respondentName"))), "a row submitted after the late tick");

        // A tick ahead of the worker's clock is refused.
        input.put("scheduled_time", Instant.now().plus(Duration.ofHours(1)).toString());
        assertThrows(IllegalArgumentException.class, () -> invoke(fixture.worker(), input.toString().getBytes()));
    }

    /** The responses an on-time weekly run at {@code tick} exports: submitted in the 7 days before it. */
    private long onTimeRows(Instant tick) {
        Instant weekBefore = tick.minus(Duration.ofDays(7));
        return fixture.strapiRows("").stream()
                .map(row -> Instant.parse(row.path("submittedAt").asText()))
                .filter(at -> !at.isBefore(weekBefore) && at.isBefore(tick)).count();
    }

    @Test
    @DisplayName("a schedule that finds nothing answers the error body (no retry), a bad schedule name is refused")
    void scheduledErrors() throws Exception {
        ExportWorkerHandler handler = fixture.worker();
        ObjectNode empty = (ObjectNode) Json.MAPPER.readTree(Files.readAllBytes(ProjectRoot.find().resolve("events/scheduled-export.json")));
        empty.put("date_range", "2001-01-01/2001-01-31");
        assertEquals("NO_DATA", fire(handler, empty).path("error").path("code").asText());

        empty.put("schedule_name", "../../exports/user-1");
        assertThrows(IllegalArgumentException.class, () -> fire(handler, empty));
    }

    @Test
    @DisplayName("a schedule for one client (events/scheduled-export-client.json): its file holds only that client's rows")
    void clientScopedSchedule() throws Exception {
        String acme = fixture.parts.strapi.get("/api/clients?filters[name][$eq]=Acme%20Corp").path("data").get(0).path("documentId").asText();
        ObjectNode event = (ObjectNode) Json.MAPPER.readTree(Files.readAllBytes(ProjectRoot.find().resolve("events/scheduled-export-client.json")));
        assertEquals(acme, event.path("client_id").asText(), "the sample names the dev seed's Acme Corp");
        event.put("date_range", "all_time");
        JsonNode result = fire(fixture.worker(), event);

        assertEquals("succeeded", result.path("status").asText(), result.toString());
        List<org.apache.commons.csv.CSVRecord> rows = ExportIT.csv(fixture.download(fixture.link(result.path("export_id").asText())).body());
        long acmeRows = fixture.strapiRows("").stream()
                .filter(row -> acme.equals(row.path("campaign").path("client").path("documentId").asText())).count();
        assertTrue(acmeRows > 0 && acmeRows < fixture.strapiRows("").size());
        assertEquals(acmeRows, rows.size());
        assertTrue(rows.stream().allMatch(row -> acme.equals(row.get("client_id"))), "only Acme's rows");
    }

    @Test
    @DisplayName("a scheduled export's status: admins read it; users of the client a schedule is for get a fresh link; anyone else 404")
    void scheduledStatusAccess() throws Exception {
        String acme = fixture.parts.strapi.get("/api/clients?filters[name][$eq]=Acme%20Corp").path("data").get(0).path("documentId").asText();
        String globex = fixture.parts.strapi.get("/api/clients?filters[name][$ne]=Acme%20Corp").path("data").get(0).path("documentId").asText();
        ObjectNode forAcme = (ObjectNode) Json.MAPPER.readTree(Files.readAllBytes(ProjectRoot.find().resolve("events/scheduled-export-client.json")));
        forAcme.put("date_range", "all_time");
        String acmeExport = fire(fixture.worker(), forAcme).path("export_id").asText();
        ObjectNode forAll = (ObjectNode) Json.MAPPER.readTree(Files.readAllBytes(ProjectRoot.find().resolve("events/scheduled-export.json")));
        forAll.put("date_range", "all_time");
        String allExport = fire(fixture.worker(), forAll).path("export_id").asText();

        var api = fixture.handler();
        JsonNode asAcme = ExportFixture.ok(fixture.send(api, ExportFixture.statusRequest("2", "client", acme, acmeExport)));
        assertEquals("succeeded", asAcme.path("status").asText());
        assertEquals("weekly-acme", asAcme.path("schedule_name").asText());
        assertEquals(200, fixture.download(asAcme.path("download_url").asText()).statusCode());
        ExportFixture.error(fixture.send(api, ExportFixture.statusRequest("3", "client", globex, acmeExport)), 404, "NOT_FOUND");
        ExportFixture.error(fixture.send(api, ExportFixture.statusRequest("2", "client", acme, allExport)), 404, "NOT_FOUND");
        ExportFixture.error(fixture.send(api, ExportFixture.statusRequest("6", "authenticated", acme, acmeExport)), 404, "NOT_FOUND");
        assertEquals("succeeded", ExportFixture.ok(fixture.send(api, ExportFixture.statusRequest("1", "admin", "", allExport))).path("status").asText());
        assertEquals("succeeded", ExportFixture.ok(fixture.send(api, ExportFixture.statusRequest("1", "admin", "", acmeExport))).path("status").asText());
    }

    @Test
    @DisplayName("since_last_run: each run exports exactly what is new since the last successful one; a failed run in between loses nothing; nothing new is a success that says so")
    void sinceLastRun() throws Exception {
        String acme = fixture.parts.strapi.get("/api/clients?filters[name][$eq]=Acme%20Corp").path("data").get(0).path("documentId").asText();
        String acmeCampaign = fixture.parts.strapi.get("/api/campaigns?filters[client][documentId][$eq]=" + acme).path("data").get(0).path("documentId").asText();
        String otherCampaign = fixture.parts.strapi.get("/api/campaigns?filters[client][documentId][$ne]=" + acme).path("data").get(0).path("documentId").asText();
        // events/scheduled-export-incremental.json, under a name of its own (a schedule's mark is per name).
        ObjectNode input = (ObjectNode) Json.MAPPER.readTree(Files.readAllBytes(ProjectRoot.find().resolve("events/scheduled-export-incremental.json")));
        assertEquals(acme, input.path("client_id").asText());
        assertEquals("since_last_run", input.path("date_range").asText());
        assertEquals("last_30_days", input.path("first_run").asText());
        input.put("schedule_name", "new-for-acme-" + java.util.UUID.randomUUID().toString().substring(0, 8));
        ExportWorkerHandler worker = fixture.worker();

        // The first run: the first_run window, every Acme response created or updated in the last 30 days.
        Instant monthAgo = com.onboardingexport.export.model.DateRange.parse("last_30_days", ZoneOffset.UTC, Clock.systemUTC()).start();
        JsonNode first = fire(worker, input);
        assertEquals("succeeded", first.path("status").asText(), first.toString());
        long acmeRows = fixture.strapiRows("").stream()
                .filter(row -> acme.equals(row.path("campaign").path("client").path("documentId").asText()))
                .filter(row -> !Instant.parse(row.path("updatedAt").asText()).isBefore(monthAgo)).count();
        assertEquals(acmeRows, first.path("record_count").asLong());

        fixture.parts.strapi.createResponse(acmeCampaign, "new-1", Instant.parse("2020-01-01T00:00:00Z")); // submitted long ago, created now
        fixture.parts.strapi.createResponse(acmeCampaign, "new-2", Instant.now());
        fixture.parts.strapi.createResponse(otherCampaign, "other-client", Instant.now());
        assertEquals(List.of("new-1", "new-2"), respondents(fire(worker, input)));

        // A run that fails (Strapi refuses the responses) between two that succeed: the next run covers its window.
        fixture.parts.strapi.createResponse(acmeCampaign, "new-3", Instant.now());
        try (StrapiFaultProxy failing = StrapiFaultProxy.start(fixture.parts.strapi.url())) {
            failing.plan((n, path) -> path.contains("campaign-onboarding-responses") ? StrapiFaultProxy.Fault.status(500) : null);
            // Strapi's failure is ours to report (502): the invocation fails, for the dead-letter queue.
            ApiException thrown = assertThrows(ApiException.class, () -> fire(
                    fixture.worker(fixture.env(failing.url(), RealParts.BUCKET), Clock.systemUTC()), input));
            assertEquals(ErrorCode.UPSTREAM_ERROR, thrown.code());
        }
        fixture.parts.strapi.createResponse(acmeCampaign, "new-4", Instant.now());
        assertEquals(List.of("new-3", "new-4"), respondents(fire(worker, input)));

        JsonNode nothing = fire(worker, input);
        assertEquals("succeeded", nothing.path("status").asText(), nothing.toString());
        assertEquals(0, nothing.path("record_count").asLong());
        assertTrue(nothing.path("message").asText().startsWith("No onboarding responses new since "), nothing.toString());
        assertTrue(nothing.path("download_url").isMissingNode(), "no file behind an empty run");
    }

    @Test
    @DisplayName("the template's notice rule turns a scheduled export's event into a message for people: schedule, rows, status URL, never a link")
    void noticeForPeople() throws Exception {
        JsonNode rule = com.onboardingexport.local.template.CloudFormationYaml.read(ProjectRoot.find().resolve("template.yaml"))
                .path("Resources").path("ScheduledExportNoticeRule").path("Properties");
        JsonNode transformer = rule.path("Targets").path(0).path("InputTransformer");
        // moto's EventBridge delivers to SQS, not SNS: a queue stands in for the topic, with the template's own pattern and transformer.
        String name = "notice-" + java.util.UUID.randomUUID().toString().substring(0, 8);
        var queue = fixture.parts.moto.createQueue(name);
        try (var events = fixture.parts.moto.eventBridge()) {
            events.putRule(b -> b.name(name).eventPattern(rule.path("EventPattern").toString()));
            events.putTargets(b -> b.rule(name).targets(t -> t.id("notice").arn(queue.arn()).inputTransformer(i -> i
                    .inputTemplate(transformer.path("InputTemplate").asText())
                    .inputPathsMap(Json.MAPPER.convertValue(transformer.path("InputPathsMap"),
                            new com.fasterxml.jackson.core.type.TypeReference<java.util.Map<String, String>>() { })))));
        }
        ObjectNode input = (ObjectNode) Json.MAPPER.readTree(Files.readAllBytes(ProjectRoot.find().resolve("events/scheduled-export-client.json")));
        input.put("date_range", "all_time");
        JsonNode done = fire(fixture.worker(), input);
        // A user's own export is no schedule: no notice for it.
        ExportFixture.ok(fixture.send(fixture.handler(), ExportFixture.admin("{\"date_range\":\"all_time\",\"mode\":\"sync\"}")));

        java.util.List<String> notices = new java.util.ArrayList<>();
        try (var sqs = fixture.parts.moto.sqs()) {
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (System.nanoTime() < deadline) {
                sqs.receiveMessage(b -> b.queueUrl(queue.url()).maxNumberOfMessages(10).waitTimeSeconds(1)).messages()
                        .forEach(m -> notices.add(m.body()));
            }
        }
        assertEquals(1, notices.size(), notices::toString);
        String notice = notices.get(0);
        System.out.println("[notice] " + notice);
        assertTrue(notice.startsWith("\"Scheduled export weekly-acme: Export Succeeded at "), notice);
        assertTrue(notice.contains(done.path("record_count").asLong() + " rows (csv)"), notice);
        assertTrue(notice.contains("https://onboarding-export.test/dev/exports/onboarding/" + done.path("export_id").asText()), notice);
        assertTrue(!notice.contains("X-Amz-Signature") && !notice.contains("download_url"), "never a link: " + notice);
    }

    /** The respondents of a succeeded export's CSV, in file order. */
    private List<String> respondents(JsonNode result) throws Exception {
        assertEquals("succeeded", result.path("status").asText(), result.toString());
        return ExportIT.csv(fixture.download(fixture.link(result.path("export_id").asText())).body()).stream()
                .map(row -> row.get("respondentName")).sorted().toList();
    }

    /** A new tick of this schedule input, delivered once. */
    private static JsonNode fire(ExportWorkerHandler handler, ObjectNode input) throws Exception {
        return invoke(handler, ExportFixture.newTick(input).toString().getBytes());
    }

    private static JsonNode invoke(ExportWorkerHandler handler, byte[] event) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        handler.handleRequest(new ByteArrayInputStream(event), out, new LocalLambdaContext(Duration.ofMinutes(5)));
        return Json.MAPPER.readTree(out.toByteArray());
    }
}
