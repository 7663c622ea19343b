package com.onboardingexport.it.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.onboardingexport.local.faults.StrapiFaultProxy;
import com.onboardingexport.local.gateway.LocalApi;
import com.onboardingexport.local.run.LocalRun;
import com.onboardingexport.local.template.ProjectRoot;
import com.onboardingexport.shared.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * Background exports that die, through the local run: the API function hands the export to the
 * worker with Lambda's Invoke API; the worker's JVM runs past its timeout, runs out of memory, or is
 * killed. Lambda's failure record goes to the failure function, which closes the export's status
 * (the status endpoint answers failed within seconds) and forwards the record to the template's
 * dead-letter queue (an SQS queue in moto).
 */
class WorkerFailuresIT {
    private static final Path TEMPLATE = ProjectRoot.find().resolve("template.yaml");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final String WORKER = "onboarding-export-local-export-worker";
    /** The function the schedules invoke: the worker's code, in concurrency of its own. */
    private static final String SCHEDULED = "onboarding-export-local-scheduled";
    private static final String FAILURE_FUNCTION = "onboarding-export-local-export-failure";
    /**
     * Strapi's time per attempt in the stalled-body tests (the authorizer's default): a stalled body then
     * fails its three attempts in about 10 s, not in the export's default 3 × 10 s; what they assert (a
     * 504 UPSTREAM_TIMEOUT from the function itself) does not depend on how long an attempt may take.
     */
    private static final String STALL_STRAPI_TIMEOUT_MS = "3000";
    /** Every export event the tests have read off the run's events queue (each is read once, then deleted). */
    private static final List<JsonNode> EVENTS = new ArrayList<>();
    private static LocalRun run;
    private static String adminJwt;
    private StrapiFaultProxy proxy;
    /** Reads of the responses that the fault proxy has seen from the worker (after the API function's). */
    private final AtomicInteger workerReads = new AtomicInteger();

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
        // The API function reads the first page once; every later read of the responses is the worker's.
        return api(dir, workerSetting, changed, 1, () -> workerFault, Map.of());
    }

    /**
     * The same, with template parameters of its own, and the worker's fault chosen as each of its
     * reads comes: the first {@code apiReads} reads of the responses are the API function's (none
     * for a scheduled run), every later one the worker's.
     */
    private LocalApi api(Path dir, String workerSetting, String changed, int apiReads, Supplier<StrapiFaultProxy.Fault> workerFault,
                         Map<String, String> parameters) throws Exception {
        return api(dir, Map.of(workerSetting, changed), apiReads, workerFault, parameters);
    }

    /** The same, with several settings of the worker changed (each text found after the worker's start, and replaced). */
    private LocalApi api(Path dir, Map<String, String> workerChanges, int apiReads, Supplier<StrapiFaultProxy.Fault> workerFault,
                         Map<String, String> parameters) throws Exception {
        return api(dir, workerChanges, apiReads, workerFault, parameters, Map.of());
    }

    /** The same, with variables every function gets over its own. */
    private LocalApi api(Path dir, Map<String, String> workerChanges, int apiReads, Supplier<StrapiFaultProxy.Fault> workerFault,
                         Map<String, String> parameters, Map<String, String> environment) throws Exception {
        String text = Files.readString(TEMPLATE, StandardCharsets.UTF_8);
        int worker = text.indexOf("  ExportWorkerFunction:");
        for (Map.Entry<String, String> change : workerChanges.entrySet()) {
            int setting = text.indexOf(change.getKey(), worker);
            assertTrue(worker > 0 && setting > worker, "the worker sets " + change.getKey());
            text = text.substring(0, setting) + change.getValue() + text.substring(setting + change.getKey().length());
        }
        Path copy = dir.resolve("template.yaml");
        Files.writeString(copy, text);
        AtomicInteger responseReads = new AtomicInteger();
        proxy = StrapiFaultProxy.start(run.strapi().url()).plan((n, path) -> {
            if (!path.contains("campaign-onboarding-responses") || responseReads.incrementAndGet() <= apiReads) {
                return null;
            }
            workerReads.incrementAndGet();
            return workerFault.get();
        });
        Map<String, String> overrides = new java.util.LinkedHashMap<>(environment);
        overrides.put("STRAPI_URL", proxy.url().toString());
        return LocalApi.start(run.apiConfig(copy, 0, System.out::println, overrides, parameters));
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

    /**
     * The JVMs (execution environments) of the worker function now running, of any local API of this
     * test JVM: its children only, never another build's on the same machine.
     */
    private static List<ProcessHandle> workerJvms() {
        return jvmsOf(WORKER);
    }

    /** The same, of the named function. */
    private static List<ProcessHandle> jvmsOf(String function) {
        long self = ProcessHandle.current().pid();
        return ProcessHandle.allProcesses()
                .filter(p -> p.parent().map(parent -> parent.pid() == self).orElse(false))
                .filter(p -> p.info().commandLine().map(line -> line.contains("LocalApiFunctionHost") && line.contains(function + " ")).orElse(false))
                .toList();
    }

    private static Set<Long> pids(List<ProcessHandle> processes) {
        return processes.stream().map(ProcessHandle::pid).collect(Collectors.toSet());
    }

    /**
     * Kills the JVM of the worker run in progress (one started since {@code before} was taken: the
     * local API under test's, not the run's own), as an out-of-memory kill or a host failure would.
     * Returns when, in {@link System#nanoTime()}.
     */
    private static long killWorker(Set<Long> before) throws Exception {
        return kill(WORKER, before);
    }

    private static long kill(String function, Set<Long> before) throws Exception {
        List<ProcessHandle> ours = jvmsOf(function).stream().filter(p -> !before.contains(p.pid())).toList();
        assertEquals(1, ours.size(), "one environment of the worker runs the export: " + ours);
        long killed = System.nanoTime();
        assertTrue(ours.get(0).destroyForcibly(), "the worker's JVM could not be killed");
        ours.get(0).onExit().get(10, TimeUnit.SECONDS);
        return killed;
    }

    /** Waits for the worker's first read of the responses: it is then mid-export. */
    private void awaitWorkerReading() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (workerReads.get() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(workerReads.get() > 0, "the worker never read the responses");
    }

    /** The export's events on the run's events queue: those read so far, and any arriving within {@code wait}. */
    private static List<JsonNode> events(String exportId, Duration wait) throws Exception {
        String queueUrl = run.eventsQueue().url();
        long deadline = System.nanoTime() + wait.toNanos();
        try (SqsClient sqs = run.moto().sqs()) {
            do {
                for (Message message : sqs.receiveMessage(b -> b.queueUrl(queueUrl).maxNumberOfMessages(10).waitTimeSeconds(1)).messages()) {
                    synchronized (EVENTS) {
                        EVENTS.add(Json.MAPPER.readTree(message.body()));
                    }
                    sqs.deleteMessage(b -> b.queueUrl(queueUrl).receiptHandle(message.receiptHandle()));
                }
            } while (System.nanoTime() < deadline);
        }
        synchronized (EVENTS) {
            return EVENTS.stream().filter(e -> exportId.equals(e.path("detail").path("export_id").asText())).toList();
        }
    }

    /** Keys in the export bucket under a prefix whose name or (a user's place) body names the export. */
    private static List<String> objectsOf(String prefix, String exportId) {
        String bucket = run.resourceNames().get("ExportBucket");
        try (S3Client s3 = run.s3().client()) {
            return s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix)).contents().stream().map(S3Object::key)
                    .filter(key -> key.contains(exportId) || (key.startsWith("running/")
                            && s3.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asUtf8String().contains(exportId)))
                    .toList();
        }
    }

    private static JsonNode status(LocalApi api, String exportId) throws Exception {
        HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(api.url().resolve("/exports/onboarding/" + exportId))
                .header("Authorization", "Bearer " + adminJwt).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, answer.statusCode(), answer.body());
        return Json.MAPPER.readTree(answer.body());
    }

    /** An asynchronous invocation of a function's alias through the local Lambda Invoke API; its request id, as Lambda answers it. */
    private static String invokeAsync(LocalApi api, String function, String payload) throws Exception {
        HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(api.lambdaEndpoint()
                        .resolve("/2015-03-31/functions/" + function + ":live/invocations"))
                .header("X-Amz-Invocation-Type", "Event").POST(HttpRequest.BodyPublishers.ofString(payload)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(202, answer.statusCode(), answer.body());
        return answer.headers().firstValue("x-amzn-RequestId").orElseThrow();
    }

    @Test
    @DisplayName("a worker whose JVM is killed mid-export: failed EXPORT_CRASHED within 60 s, the user's place free, one Export Failed event, no file, the record on the dead-letter queue")
    void workerKilledMidExport(@TempDir Path dir) throws Exception {
        AtomicBoolean slow = new AtomicBoolean(true);
        Set<Long> before = pids(workerJvms());
        // One place per user: a new export of the same user starts only once the killed one's place is given back.
        try (LocalApi api = api(dir, "Timeout: 900", "Timeout: 900", 1,
                () -> slow.get() ? StrapiFaultProxy.Fault.slow(Duration.ofSeconds(8)) : null, Map.of("MaxRunningExportsPerUser", "1"))) {
            String exportId = startExport(api);
            awaitWorkerReading();
            assertEquals("running", status(api, exportId).path("status").asText());
            assertEquals(2, objectsOf("running/", exportId).size(), "the export holds a place of the user's and one of the admins'");

            long killed = killWorker(before);
            JsonNode failed = awaitFinished(api, exportId, Duration.ofSeconds(60));
            long millis = (System.nanoTime() - killed) / 1_000_000;
            System.out.println("[WorkerFailuresIT] worker JVM killed mid-export: the status read failed " + millis + " ms later");
            assertEquals("failed", failed.path("status").asText(), "still " + failed + " 60 s after the kill");
            assertTrue(millis < 60_000, millis + " ms");
            JsonNode error = failed.path("error");
            assertEquals("EXPORT_CRASHED", error.path("code").asText(), failed.toString());
            assertEquals(500, error.path("status").asInt(), failed.toString());
            assertTrue(error.path("message").asText().contains("Runtime.ExitError"), failed.toString());
            assertFalse(error.path("request_id").asText().isEmpty(), failed.toString());

            assertEquals(List.of(), objectsOf("running/", exportId), "the user's place is given back");
            slow.set(false);
            String next = startExport(api);
            assertEquals("succeeded", awaitFinished(api, next, Duration.ofSeconds(90)).path("status").asText());

            List<JsonNode> events = events(exportId, Duration.ofSeconds(5));
            assertEquals(1, events.size(), events.toString());
            assertEquals("Export Failed", events.get(0).path("detail-type").asText());
            assertEquals("EXPORT_CRASHED", events.get(0).path("detail").path("error_code").asText());
            assertEquals("async", events.get(0).path("detail").path("mode").asText());
            assertEquals(List.of(), objectsOf("exports/", exportId), "no file of the crashed export");

            JsonNode record = deadLetter(exportId, Duration.ofSeconds(30));
            assertNotNull(record, "no failure record for " + exportId + " on the dead-letter queue");
            assertEquals("Runtime.ExitError", record.path("responsePayload").path("errorType").asText(), record.toString());
        }
    }

    @Test
    @DisplayName("an event the worker's reserved concurrency has no room for waits, then, past MaximumEventAgeInSeconds, goes unrun to the failure function: failed EXPORT_TIMED_OUT, its place given back")
    void eventAgedOutWhileTheWorkerIsBusy(@TempDir Path dir) throws Exception {
        // One slot (WorkerConcurrency 1), held by a slow export; an event may wait 5 s.
        try (LocalApi api = api(dir, "MaximumEventAgeInSeconds: 300", "MaximumEventAgeInSeconds: 5", 1,
                () -> StrapiFaultProxy.Fault.slow(Duration.ofSeconds(8)), Map.of("WorkerConcurrency", "1"))) {
            String holding = startExport(api);
            awaitWorkerReading();
            String waiting = startExport(api);
            JsonNode failed = awaitFinished(api, waiting, Duration.ofSeconds(60));
            assertEquals("failed", failed.path("status").asText(), failed.toString());
            assertEquals("EXPORT_TIMED_OUT", failed.path("error").path("code").asText(), failed.toString());
            assertEquals(List.of(), objectsOf("running/", waiting), "the waiting export's places are given back");
            JsonNode record = deadLetter(waiting, Duration.ofSeconds(30));
            assertNotNull(record, "no failure record for " + waiting + " on the dead-letter queue");
            assertEquals("EventAgeExceeded", record.path("requestContext").path("condition").asText(), record.toString());
            assertEquals("running", status(api, holding).path("status").asText(), "the export in the slot runs on");
            assertEquals("succeeded", awaitFinished(api, holding, Duration.ofSeconds(120)).path("status").asText());
        }
    }

    @Test
    @DisplayName("a scheduled run whose JVM is killed mid-export: its status (its tick's) reads failed, its Export Failed event says scheduled, its mark stays")
    void scheduledRunKilled(@TempDir Path dir) throws Exception {
        Set<Long> before = pids(jvmsOf(SCHEDULED));
        String schedule = "crashing-" + System.nanoTime();
        try (LocalApi api = api(dir, "Timeout: 900", "Timeout: 900", 0, () -> StrapiFaultProxy.Fault.slow(Duration.ofSeconds(8)), Map.of())) {
            String input = "{\"schedule_name\":\"" + schedule + "\",\"scheduled_time\":\"" + java.time.Instant.now()
                    + "\",\"date_range\":\"since_last_run\",\"first_run\":\"all_time\",\"file_format\":\"csv\"}";
            invokeAsync(api, SCHEDULED, input);
            String exportId = com.onboardingexport.export.model.ScheduledTick.of(Json.MAPPER.readTree(input)).exportId();
            awaitWorkerReading();
            assertEquals("running", status(api, exportId).path("status").asText(), "the run's export id is its tick's");

            long killed = kill(SCHEDULED, before);
            JsonNode failed = awaitFinished(api, exportId, Duration.ofSeconds(60));
            long millis = (System.nanoTime() - killed) / 1_000_000;
            System.out.println("[WorkerFailuresIT] scheduled run's JVM killed mid-export: the status read failed " + millis + " ms later");
            assertEquals("failed", failed.path("status").asText(), "still " + failed + " 60 s after the kill");
            assertEquals("EXPORT_CRASHED", failed.path("error").path("code").asText(), failed.toString());
            assertEquals(schedule, failed.path("schedule_name").asText(), failed.toString());

            List<JsonNode> events = events(exportId, Duration.ofSeconds(5));
            assertEquals(1, events.size(), events.toString());
            assertEquals("Export Failed", events.get(0).path("detail-type").asText());
            assertEquals("scheduled", events.get(0).path("detail").path("mode").asText());
            assertEquals(schedule, events.get(0).path("detail").path("schedule_name").asText());
            assertTrue(events.get(0).path("detail").path("status_url").asText().endsWith("/exports/onboarding/" + exportId), events.toString());
            assertEquals(List.of(), objectsOf("schedules/" + schedule + "/", ""), "the schedule's mark does not move");
            assertEquals(List.of(), objectsOf("scheduled/" + schedule + "/", ""), "no file of the crashed run");
        }
    }

    @Test
    @DisplayName("a failure record of an export that has succeeded changes nothing: its status and its one event stay")
    void failureRecordOfASucceededExport(@TempDir Path dir) throws Exception {
        try (LocalApi api = api(dir, "Timeout: 900", "Timeout: 900", 1, () -> null, Map.of())) {
            String exportId = startExport(api);
            JsonNode succeeded = awaitFinished(api, exportId, Duration.ofSeconds(90));
            assertEquals("succeeded", succeeded.path("status").asText(), succeeded.toString());
            List<JsonNode> eventsBefore = events(exportId, Duration.ofSeconds(3));
            assertEquals(1, eventsBefore.size(), eventsBefore.toString());
            assertEquals("Export Succeeded", eventsBefore.get(0).path("detail-type").asText());

            // Lambda's record of a run of this export that crashed (a duplicate delivery, say), as the worker's destination gets it.
            String record = """
                    {"version": "1.0", "timestamp": "%s",
                     "requestContext": {"requestId": "%s", "functionArn": "arn:aws:lambda:us-east-1:000000000000:function:%s:live",
                       "condition": "RetriesExhausted", "approximateInvokeCount": 1},
                     "requestPayload": {"background_export": {"export_id": "%s", "request_id": "duplicate",
                       "principal": {"user_id": "1", "role": "admin"}, "request": {"file_format": "csv"}}},
                     "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
                     "responsePayload": {"errorType": "Runtime.ExitError", "errorMessage": "Runtime exited with error: signal: killed"}}"""
                    .formatted(Instant.now(), UUID.randomUUID(), WORKER, exportId);
            invokeAsync(api, FAILURE_FUNCTION, record);
            assertNotNull(deadLetter(exportId, Duration.ofSeconds(60)), "the failure function forwarded the record");

            JsonNode after = status(api, exportId);
            for (String field : List.of("status", "export_id", "filename", "record_count", "size_bytes", "file_format")) {
                assertEquals(succeeded.path(field), after.path(field), field + ": " + after);
            }
            assertFalse(after.has("error"), after.toString());
            assertEquals(eventsBefore, events(exportId, Duration.ofSeconds(3)), "no event more");
        }
    }

    @Test
    @DisplayName("a worker that runs past its timeout (Secrets Manager never answers its read of the Strapi token; a stalled Strapi body is a 504 now, see below): failed EXPORT_TIMED_OUT on the status endpoint, the event on the dead-letter queue")
    void workerPastItsTimeout(@TempDir Path dir) throws Exception {
        // The worker's own Secrets Manager endpoint (the SDK's service variable beats AWS_ENDPOINT_URL): a port that
        // accepts connections and never answers. The SDK's read timeout (30 s) is far past the worker's 8 s.
        try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
             LocalApi api = api(dir, Map.of("Timeout: 900", "Timeout: 8",
                     "        Variables:\n", "        Variables:\n          AWS_ENDPOINT_URL_SECRETS_MANAGER: http://127.0.0.1:"
                             + silent.getLocalPort() + "\n"), 1, () -> null, Map.of())) {
            List<java.net.Socket> held = new java.util.concurrent.CopyOnWriteArrayList<>();
            Thread acceptor = new Thread(() -> {
                while (!silent.isClosed()) {
                    try {
                        held.add(silent.accept());
                    } catch (java.io.IOException e) {
                        return;
                    }
                }
            }, "silent-secrets-manager");
            acceptor.setDaemon(true);
            acceptor.start();
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
    @DisplayName("a background export whose Strapi page body stalls: failed 504 UPSTREAM_TIMEOUT by the worker itself, within its 40 s, not Lambda's EXPORT_TIMED_OUT")
    void stalledBodyInTheBackground(@TempDir Path dir) throws Exception {
        // The worker's own attempts are short (its section of the template); the API function's read of the first page is not stalled.
        try (LocalApi api = api(dir, Map.of("Timeout: 900", "Timeout: 40",
                "        Variables:\n", "        Variables:\n          STRAPI_TIMEOUT_MS: \"" + STALL_STRAPI_TIMEOUT_MS + "\"\n"),
                1, () -> StrapiFaultProxy.Fault.stall(Duration.ofSeconds(300)), Map.of())) {
            String exportId = startExport(api);
            JsonNode status = awaitFinished(api, exportId, Duration.ofSeconds(120));
            assertNotNull(status);
            assertEquals("failed", status.path("status").asText(), status.toString());
            assertEquals("UPSTREAM_TIMEOUT", status.path("error").path("code").asText(), status.toString());
            assertEquals(504, status.path("error").path("status").asInt(), status.toString());
            assertTrue(workerReads.get() > 0, "the worker read the stalled body");

            // Its failure record (the worker's run failed, so Lambda sends one) does not change the status: no timeout there.
            JsonNode record = deadLetter(exportId, Duration.ofSeconds(30));
            assertNotNull(record, "no failure record for " + exportId + " on the dead-letter queue");
            assertFalse(record.path("responsePayload").toString().contains("Task timed out"), record.toString());
            assertEquals("UPSTREAM_TIMEOUT", status(api, exportId).path("error").path("code").asText());
        }
    }

    @Test
    @DisplayName("a synchronous export whose Strapi page body stalls: 504 UPSTREAM_TIMEOUT from the function, with its request id, before API Gateway's 29 s and Lambda's 30 s")
    void stalledBodySynchronously(@TempDir Path dir) throws Exception {
        try (LocalApi api = api(dir, Map.of("Timeout: 900", "Timeout: 900"), 0, () -> StrapiFaultProxy.Fault.stall(Duration.ofSeconds(300)),
                Map.of(), Map.of("STRAPI_TIMEOUT_MS", STALL_STRAPI_TIMEOUT_MS))) {
            // A first request starts the authorizer's and the function's JVMs, so the stalled one is timed from a warm start.
            HTTP.send(HttpRequest.newBuilder(api.url().resolve("/exports/onboarding/" + UUID.randomUUID()))
                    .header("Authorization", "Bearer " + adminJwt).build(), HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(api.url().resolve("/exports/onboarding"))
                    .header("Authorization", "Bearer " + adminJwt).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"date_range\":\"all_time\",\"mode\":\"sync\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(504, answer.statusCode(), answer.body());
            JsonNode error = Json.MAPPER.readTree(answer.body()).path("error");
            assertEquals("UPSTREAM_TIMEOUT", error.path("code").asText(), answer.body());
            assertFalse(error.path("request_id").asText().isEmpty(), answer.body());
            assertTrue(workerReads.get() > 0, "the function read the stalled body");
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
