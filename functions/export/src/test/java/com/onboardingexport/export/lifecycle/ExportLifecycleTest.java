package com.onboardingexport.export.lifecycle;

import static com.onboardingexport.export.TestStack.ACME_USER;
import static com.onboardingexport.export.TestStack.ADMIN;
import static com.onboardingexport.export.TestStack.body;
import static com.onboardingexport.export.TestStack.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.onboardingexport.export.RecordedEvents;
import com.onboardingexport.export.TestStack;
import com.onboardingexport.export.store.InMemoryConditionalStore;
import com.onboardingexport.shared.ApiException;
import com.onboardingexport.shared.ErrorCode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The status of a background export through every transition ({@code running → succeeded | failed}),
 * as the API function, the worker and the failure function write it, and every race between them:
 * the stored JSON, the events and the answers, on the in-memory store.
 */
class ExportLifecycleTest {
    private final TestStack stack = new TestStack(6);

    @AfterEach
    void close() {
        stack.close();
    }

    /** Starts a background export of acme's user; returns its id. */
    private String start() {
        APIGatewayProxyResponseEvent accepted = stack.post(ACME_USER, "{\"mode\":\"async\",\"date_range\":\"last_7_days\"}");
        assertEquals(202, accepted.getStatusCode(), accepted.getBody());
        return body(accepted).path("export_id").asText();
    }

    private JsonNode job() {
        return stack.onlyHandedOver();
    }

    private String statusText(String exportId) {
        return stack.store.json("status/" + exportId + ".json").orElseThrow();
    }

    @Test
    @DisplayName("start: a running status with its owner, total, deadline and job; a place of each scope; the job handed to the worker")
    void startRecordsTheRunningExport() {
        String exportId = start();

        JsonNode status = stack.storedStatus(exportId);
        assertEquals(List.of("export_id", "status", "owner_user_id", "owner_role", "owner_client_id", "created_at", "updated_at",
                "must_finish_by", "total", "rows_written", "write_id", "job"), TestStack.fieldNames(status));
        assertEquals("running", status.path("status").asText());
        assertEquals("7", status.path("owner_user_id").asText());
        assertEquals("client", status.path("owner_role").asText());
        assertEquals("acme", status.path("owner_client_id").asText());
        assertEquals("2026-03-15T10:30:00Z", status.path("created_at").asText());
        assertEquals("2026-03-15T10:30:00Z", status.path("updated_at").asText());
        assertEquals("2026-03-15T10:50:00Z", status.path("must_finish_by").asText(), "5 minutes in Lambda's queue and the worker's 15");
        assertEquals(3, status.path("total").asLong());
        assertEquals(0, status.path("rows_written").asLong());
        assertEquals("2026-03-08T10:30:00Z/2026-03-15T10:30:00Z", status.path("job").path("request").path("date_range").asText(),
                "the window of the POST, resolved");
        assertEquals(TestStack.API_URL + "/exports/onboarding/" + exportId, status.path("job").path("status_url").asText());
        assertEquals(List.of("running/client-acme/place-0.json", "running/user-7/place-0.json"), stack.placesHeld());
        JsonNode place = json(stack.store.json("running/user-7/place-0.json").orElseThrow());
        assertEquals(exportId, place.path("export_id").asText());
        assertEquals("2026-03-15T10:50:00Z", place.path("must_finish_by").asText());

        JsonNode handedOver = job().path("background_export");
        assertEquals(exportId, handedOver.path("export_id").asText());
        assertEquals("2026-03-15T10:30:00Z", handedOver.path("requested_at").asText());
        assertEquals(json("{\"user_id\":\"7\",\"role\":\"client\",\"client_id\":\"acme\"}"), handedOver.path("principal"));
        assertEquals(status.path("job").path("request"), handedOver.path("request"));
        assertEquals(status.path("job").path("request_id").asText(), handedOver.path("request_id").asText());
        assertTrue(stack.events.events().isEmpty(), "nothing is announced before the export ends");
    }

    @Test
    @DisplayName("running → succeeded: the worker claims it, runs it, stores the file, gives the places back and announces it")
    void workerClaimsAndSucceeds() {
        String exportId = start();

        JsonNode answer = stack.runWorker(job(), "worker-1");

        assertEquals(json("{}"), answer);
        JsonNode status = stack.storedStatus(exportId);
        assertEquals("succeeded", status.path("status").asText());
        assertEquals("worker-1", status.path("worker_request_id").asText(), "claimed by this delivery");
        assertEquals("2026-03-15T10:30:00Z", status.path("started_at").asText());
        assertEquals("2026-03-15T10:45:00Z", status.path("must_finish_by").asText(), "the worker's own 15 minutes");
        assertEquals(3, status.path("rows_written").asLong());
        JsonNode result = status.path("result");
        String key = result.path("key").asText();
        assertTrue(key.startsWith("exports/user-7/" + exportId + "/onboarding-export-20260315T1030Z-"), key);
        assertEquals("csv", result.path("file_format").asText());
        assertEquals(3, result.path("record_count").asLong());
        assertEquals(stack.files.objects().get(key).bytes().length, result.path("size_bytes").asLong());
        assertTrue(status.path("error").isMissingNode());
        assertEquals(List.of(), stack.placesHeld());
        assertEquals(1, stack.events.events().size());
        RecordedEvents.Event event = stack.events.events().get(0);
        assertEquals("Export Succeeded", event.detailType());
        assertEquals(json("{\"export_id\":\"" + exportId + "\",\"status\":\"succeeded\",\"mode\":\"async\",\"user_id\":\"7\","
                + "\"role\":\"client\",\"client_id\":\"acme\",\"file_format\":\"csv\",\"record_count\":3,\"size_bytes\":"
                + result.path("size_bytes").asLong() + ",\"key\":\"" + key + "\",\"status_url\":\"" + TestStack.API_URL
                + "/exports/onboarding/" + exportId + "\"}"), event.detail());
    }

    @Test
    @DisplayName("running → failed (5xx): the status says Strapi's error, the event too, the places are given back, and Lambda counts the run failed")
    void workerFailsOnStrapiError() {
        String exportId = start();
        String apiRequestId = stack.storedStatus(exportId).path("job").path("request_id").asText();
        stack.strapi.failWith(500);

        ApiException thrown = assertThrows(ApiException.class, () -> stack.runWorker(job(), "worker-1"));

        assertEquals(ErrorCode.UPSTREAM_ERROR, thrown.code());
        JsonNode status = stack.storedStatus(exportId);
        assertEquals("failed", status.path("status").asText());
        assertEquals(502, status.path("error").path("status").asInt());
        assertEquals("UPSTREAM_ERROR", status.path("error").path("code").asText());
        assertEquals(apiRequestId, status.path("error").path("request_id").asText(), "the request id the caller was given");
        assertTrue(status.path("result").isMissingNode());
        assertEquals(List.of(), stack.placesHeld());
        assertEquals(List.of("Export Failed"), stack.events.events().stream().map(RecordedEvents.Event::detailType).toList());
        assertEquals("UPSTREAM_ERROR", stack.events.events().get(0).detail().path("error_code").asText());
        assertEquals(json("{\"export_id\":\"" + exportId + "\",\"status\":\"failed\",\"error\":" + status.path("error") + "}"),
                body(stack.get(ACME_USER, exportId)));
    }

    @Test
    @DisplayName("running → failed (4xx): nothing matches any more; the run ends normally, its status and event say NO_DATA")
    void workerFailsOnNoData() {
        String exportId = start();
        stack.strapi.setResponses(0);

        stack.runWorker(job(), "worker-1");

        assertEquals("NO_DATA", stack.storedStatus(exportId).path("error").path("code").asText());
        assertEquals("failed", stack.storedStatus(exportId).path("status").asText());
        assertEquals(List.of(), stack.placesHeld());
        assertEquals("NO_DATA", stack.events.events().get(0).detail().path("error_code").asText());
    }

    @Test
    @DisplayName("a second delivery of a finished job changes nothing: the same status, one file, one event")
    void secondDeliveryAfterTheEnd() {
        String exportId = start();
        stack.runWorker(job(), "worker-1");
        String finished = statusText(exportId);

        stack.runWorker(job(), "worker-2");

        assertEquals(finished, statusText(exportId));
        assertEquals(1, stack.files.objects().size());
        assertEquals(1, stack.events.events().size());
    }

    @Test
    @DisplayName("two deliveries at once: the one whose claim lands runs it; the other's claim is refused and it does nothing")
    void twoDeliveriesAtOnce() {
        String exportId = start();
        // worker-1 read the status; just before its claim lands, worker-2 claims and runs the whole export.
        stack.store.beforeNextWrite("status/", () -> stack.runWorker(job(), "worker-2"));

        stack.runWorker(job(), "worker-1");

        JsonNode status = stack.storedStatus(exportId);
        assertEquals("succeeded", status.path("status").asText());
        assertEquals("worker-2", status.path("worker_request_id").asText());
        assertEquals(1, stack.files.objects().size());
        assertEquals(1, stack.events.events().size());
        assertEquals(List.of(), stack.placesHeld());
    }

    @Test
    @DisplayName("a delivery that finds the export claimed by a run still within its time leaves it to that run")
    void deliveryWhileAnotherRuns() {
        String exportId = start();
        String[] seenByTheSecond = new String[1];
        stack.store.passNextWrite("status/"); // worker-1's claim
        stack.store.beforeNextWrite("status/", () -> { // worker-1's final write: worker-2 arrives first
            stack.runWorker(job(), "worker-2");
            seenByTheSecond[0] = statusText(exportId);
        });

        stack.runWorker(job(), "worker-1");

        JsonNode claimed = json(seenByTheSecond[0]);
        assertEquals("running", claimed.path("status").asText(), "worker-2 wrote nothing");
        assertEquals("worker-1", claimed.path("worker_request_id").asText());
        assertEquals("succeeded", stack.storedStatus(exportId).path("status").asText());
        assertEquals(1, stack.events.events().size());
        assertEquals(List.of(), stack.placesHeld());
    }

    @Test
    @DisplayName("a progress write that lands just before the final one: the final status is written again on the newer version")
    void progressWriteInBetween() {
        String exportId = start();
        String key = "status/" + exportId + ".json";
        stack.store.passNextWrite("status/"); // the claim
        stack.store.beforeNextWrite("status/", () -> { // a progress write of the same run lands first
            var stored = stack.store.find(key).orElseThrow();
            ObjectNode progressed = (ObjectNode) json(new String(stored.value(), java.nio.charset.StandardCharsets.UTF_8));
            progressed.put("rows_written", 2).put("write_id", "progress-write");
            stack.store.replace(key, progressed.toString(), stored.eTag());
        });

        stack.runWorker(job(), "worker-1");

        JsonNode status = stack.storedStatus(exportId);
        assertEquals("succeeded", status.path("status").asText());
        assertEquals(3, status.path("rows_written").asLong());
        assertEquals("worker-1", status.path("worker_request_id").asText());
        assertEquals(1, stack.events.events().size());
    }

    @Test
    @DisplayName("a delivery after the export's deadline closes it failed EXPORT_TIMED_OUT and gives its places back")
    void deliveredAfterTheDeadline() {
        String exportId = start();
        String apiRequestId = stack.storedStatus(exportId).path("job").path("request_id").asText();
        stack.clock.advance(Duration.ofSeconds(1200));

        stack.runWorker(job(), "worker-1");

        JsonNode status = stack.storedStatus(exportId);
        assertEquals("failed", status.path("status").asText());
        assertEquals(json("{\"status\":500,\"code\":\"EXPORT_TIMED_OUT\",\"message\":\"The export did not finish in the time it had;"
                + " quote request id " + apiRequestId + " when reporting it\",\"request_id\":\"" + apiRequestId + "\"}"), status.path("error"));
        assertTrue(status.path("worker_request_id").isMissingNode(), "never claimed");
        assertEquals(List.of(), stack.placesHeld());
        assertTrue(stack.files.objects().isEmpty());
    }

    @Test
    @DisplayName("a running export past its deadline reads failed EXPORT_TIMED_OUT, though its stored status still says running")
    void statusReadPastTheDeadline() {
        String exportId = start();
        stack.clock.advance(Duration.ofSeconds(1199));
        assertEquals("running", body(stack.get(ACME_USER, exportId)).path("status").asText(), "a second before its deadline");
        stack.clock.advance(Duration.ofSeconds(1));

        APIGatewayProxyResponseEvent read = stack.get(ACME_USER, exportId);

        JsonNode error = body(read).path("error");
        assertEquals("failed", body(read).path("status").asText());
        assertEquals("EXPORT_TIMED_OUT", error.path("code").asText());
        assertEquals(read.getHeaders().get("X-Request-Id"), error.path("request_id").asText());
        assertEquals("running", stack.storedStatus(exportId).path("status").asText());
    }

    @Test
    @DisplayName("the worker that finds its export closed already (by the failure function) skips it")
    void workerFindsItsExportClosed() {
        String exportId = start();
        stack.runFailure(failureRecord("lambda-gone", job(), "Runtime.ExitError"));
        String closed = statusText(exportId);

        stack.runWorker(job(), "worker-1");

        assertEquals(closed, statusText(exportId));
        assertEquals("EXPORT_CRASHED", stack.storedStatus(exportId).path("error").path("code").asText());
        assertTrue(stack.files.objects().isEmpty());
        assertEquals(1, stack.events.events().size(), "the failure function's event only");
    }

    @Test
    @DisplayName("a claim lost to the failure function closing the export: the worker does not run it")
    void claimLostToTheFailureFunction() {
        String exportId = start();
        stack.store.beforeNextWrite("status/", () ->
                stack.runFailure(failureRecord("lambda-gone", job(), "Runtime.ExitError")));

        stack.runWorker(job(), "worker-1");

        assertEquals("failed", stack.storedStatus(exportId).path("status").asText());
        assertTrue(stack.files.objects().isEmpty());
        assertEquals(List.of(), stack.placesHeld());
    }

    @Test
    @DisplayName("the failure function closes a crashed run: failed EXPORT_CRASHED, its event, its places given back; a second record changes nothing")
    void failureFunctionClosesACrashedRun() {
        String exportId = start();
        stack.store.passNextWrite("status/"); // worker-1's claim lands; then it dies before writing its end
        stack.store.onNextWrite("status/", InMemoryConditionalStore.Fault.UNAVAILABLE);
        stack.store.onNextWrite("status/", InMemoryConditionalStore.Fault.UNAVAILABLE);
        assertThrows(ApiException.class, () -> stack.runWorker(job(), "worker-1"));
        assertEquals("running", stack.storedStatus(exportId).path("status").asText());
        assertEquals("worker-1", stack.storedStatus(exportId).path("worker_request_id").asText());
        stack.store.put("running/user-7/place-0.json", "{\"export_id\":\"" + exportId + "\",\"must_finish_by\":\"2026-03-15T10:45:00Z\"}");

        JsonNode outcome = stack.runFailure(failureRecord("worker-1", job(), "Runtime.ExitError"));

        assertEquals(json("{\"lambda_request_id\":\"worker-1\",\"export_id\":\"" + exportId + "\",\"mode\":\"async\","
                + "\"outcome\":\"closed\",\"status\":\"failed\"}"), outcome);
        JsonNode error = stack.storedStatus(exportId).path("error");
        String apiRequestId = stack.storedStatus(exportId).path("job").path("request_id").asText();
        assertEquals("EXPORT_CRASHED", error.path("code").asText());
        assertEquals("The export stopped before it finished (Lambda reported Runtime.ExitError); quote request id " + apiRequestId
                + " when reporting it", error.path("message").asText());
        assertEquals(List.of(), stack.placesHeld());
        assertEquals(List.of("Export Failed"), stack.events.events().stream().map(RecordedEvents.Event::detailType).toList());

        assertEquals(List.of(failureRecord("worker-1", job(), "Runtime.ExitError")),
                stack.deadLetters.messages().stream().map(TestStack::json).toList(), "the record forwarded, as Lambda wrote it");

        JsonNode again = stack.runFailure(failureRecord("worker-1", job(), "Runtime.ExitError"));
        assertEquals("already finished", again.path("outcome").asText());
        assertEquals(1, stack.events.events().size());
    }

    @Test
    @DisplayName("a failure record of a delivery that did not run the export, while another runs it within its time: left to that run")
    void failureRecordOfAnotherDelivery() {
        String exportId = start();
        JsonNode[] outcome = new JsonNode[1];
        stack.store.passNextWrite("status/"); // worker-1's claim
        stack.store.beforeNextWrite("status/", () ->
                outcome[0] = stack.runFailure(failureRecord("worker-2", job(), "Runtime.ExitError")));

        stack.runWorker(job(), "worker-1");

        assertEquals("running elsewhere", outcome[0].path("outcome").asText());
        assertEquals("succeeded", stack.storedStatus(exportId).path("status").asText());
    }

    @Test
    @DisplayName("Lambda's timeout of a run is EXPORT_TIMED_OUT; a scheduled run that died before its status gets a failed one")
    void failureRecordsOfTimeoutsAndSchedules() {
        String exportId = start();
        stack.runFailure(failureRecord("worker-1", job(), "Sandbox.Timedout"));
        assertEquals("EXPORT_TIMED_OUT", stack.storedStatus(exportId).path("error").path("code").asText());

        JsonNode tick = json("{\"schedule_name\":\"nightly\",\"scheduled_time\":\"2026-03-15T07:00:00Z\",\"file_format\":\"csv\"}");
        JsonNode outcome = stack.runFailure(failureRecord("scheduled-1", tick, "Runtime.ExitError"));

        assertEquals("closed", outcome.path("outcome").asText());
        assertEquals("scheduled", outcome.path("mode").asText());
        JsonNode status = stack.storedStatus(outcome.path("export_id").asText());
        assertEquals("failed", status.path("status").asText());
        assertEquals("nightly", status.path("schedule_name").asText());
        assertEquals("scheduled-1", status.path("worker_request_id").asText());
        assertEquals("EXPORT_CRASHED", status.path("error").path("code").asText());
        RecordedEvents.Event event = stack.events.events().get(stack.events.events().size() - 1);
        assertEquals("scheduled", event.detail().path("mode").asText());
        assertEquals(TestStack.API_URL + "/exports/onboarding/" + outcome.path("export_id").asText(),
                event.detail().path("status_url").asText());
    }

    @Test
    @DisplayName("a status that is not a status: the worker fails INTERNAL and writes nothing; the status endpoint answers 500 INTERNAL")
    void malformedStatus() {
        String exportId = start();
        stack.store.put("status/" + exportId + ".json", "{\"export_id\":\"" + exportId + "\",\"status\":[");

        ApiException thrown = assertThrows(ApiException.class, () -> stack.runWorker(job(), "worker-1"));

        assertEquals(ErrorCode.INTERNAL, thrown.code());
        assertEquals("The export's status is not what it should be", thrown.getMessage());
        assertEquals("{\"export_id\":\"" + exportId + "\",\"status\":[", statusText(exportId));
        assertEquals(500, stack.get(ADMIN, exportId).getStatusCode());
        assertTrue(stack.events.events().isEmpty());
    }

    @Test
    @DisplayName("a hand-over the worker refuses: 500, and neither a status nor a place is left")
    void handOverRefused() {
        stack.handOverFails();

        APIGatewayProxyResponseEvent refused = stack.post(ACME_USER, "{\"mode\":\"async\"}");

        TestStack.assertError(refused, 500, "INTERNAL", "The background export could not be started");
        assertEquals(List.of(), stack.store.keys("status/"));
        assertEquals(List.of(), stack.placesHeld());
    }

    @Test
    @DisplayName("a status that cannot be created: the places taken for it are given back")
    void statusNotCreated() {
        stack.store.onNextWrite("status/", InMemoryConditionalStore.Fault.UNAVAILABLE);

        APIGatewayProxyResponseEvent refused = stack.post(ACME_USER, "{\"mode\":\"async\"}");

        TestStack.assertError(refused, 500, "STORAGE_ERROR", "The export's status could not be stored");
        assertEquals(List.of(), stack.placesHeld());
        assertFalse(stack.handedOver.iterator().hasNext());
    }

    /** Lambda's record of a failed run of the worker on {@code payload}, as its on-failure destination receives it. */
    static JsonNode failureRecord(String lambdaRequestId, JsonNode payload, String errorType) {
        return json("""
                {"version": "1.0", "timestamp": "2026-03-15T10:31:00.000Z",
                 "requestContext": {"requestId": "%s",
                   "functionArn": "arn:aws:lambda:eu-west-1:123456789012:function:onboarding-export-worker:live",
                   "condition": "RetriesExhausted", "approximateInvokeCount": 3},
                 "requestPayload": %s,
                 "responseContext": {"statusCode": 200, "executedVersion": "7", "functionError": "Unhandled"},
                 "responsePayload": {"errorType": "%s", "errorMessage": "the run ended"}}"""
                .formatted(lambdaRequestId, payload, errorType));
    }
}
