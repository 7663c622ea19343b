package com.onboardingexport.export.failure;

import com.onboardingexport.export.model.Principal;
import com.onboardingexport.export.model.ScheduledTick;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.onboardingexport.shared.ErrorCode;
import com.onboardingexport.shared.Json;
import org.junit.jupiter.api.Test;

/** Lambda's failure records as the failure function reads them: which export, and what Lambda reported. */
class LambdaFailureRecordTest {
    private static final String API_URL = "https://abc123.execute-api.eu-west-1.amazonaws.com/prod";
    private static final String INVOCATION = "4d13d0ef-5b1c-4c6e-9c3e-1f0a2b3c4d5e";
    private static final String EXPORT_ID = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";

    private static String record(String condition, String requestPayload, String responsePayload) {
        return """
                {"version": "1.0", "timestamp": "2026-03-15T10:30:00.000Z",
                 "requestContext": {"requestId": "%s",
                   "functionArn": "arn:aws:lambda:eu-west-1:123456789012:function:stack-export-worker:live",
                   "condition": "%s", "approximateInvokeCount": 1},
                 "requestPayload": %s,
                 "responseContext": {"statusCode": 200, "executedVersion": "7", "functionError": "Unhandled"}%s}"""
                .formatted(INVOCATION, condition, requestPayload, responsePayload == null ? "" : ", \"responsePayload\": " + responsePayload);
    }

    private static final String JOB = """
            {"background_export": {"export_id": "%s", "requested_at": "2026-03-15T10:29:00Z", "request_id": "api-request-1",
              "principal": {"user_id": "7", "role": "client", "client_id": "acme"},
              "request": {"date_range": "2026-01-01T00:00:00Z/2026-03-15T10:29:00Z", "file_format": "xlsx"},
              "status_url": "https://api.example/exports/onboarding/%s"}}""".formatted(EXPORT_ID, EXPORT_ID);

    private static LambdaFailureRecord parse(String json) throws Exception {
        return Json.MAPPER.readValue(json, LambdaFailureRecord.class);
    }

    @Test
    void aKilledWorkerIsACrashOfTheJobsExport() throws Exception {
        LambdaFailureRecord record = parse(record("RetriesExhausted", JOB, """
                {"errorType": "Runtime.ExitError", "errorMessage": "RequestId: %s Error: Runtime exited with error: signal: killed"}"""
                .formatted(INVOCATION)));
        FailedRuns.FailedRun run = FailedRuns.FailedRun.of(record, API_URL);
        assertAll(
                () -> assertEquals(INVOCATION, record.requestId()),
                () -> assertFalse(record.timedOut()),
                () -> assertEquals(ErrorCode.EXPORT_CRASHED, record.code()),
                () -> assertEquals("Runtime.ExitError", record.reported()),
                () -> assertEquals(EXPORT_ID, run.exportId()),
                () -> assertEquals("async", run.mode()),
                () -> assertEquals("api-request-1", run.requestId(), "the request id the caller got with the 202"),
                () -> assertEquals("xlsx", run.fileFormat()),
                () -> assertEquals("https://api.example/exports/onboarding/" + EXPORT_ID, run.statusUrl()),
                () -> assertNull(run.scheduled(), "a background export's status is never created here"));
    }

    @Test
    void timeoutsInBothOfLambdasFormsAndEventsTooOldToRunAreTimeouts() throws Exception {
        LambdaFailureRecord current = parse(record("RetriesExhausted", JOB, """
                {"errorType": "Sandbox.Timedout", "errorMessage": "RequestId: %s Error: Task timed out after 900.00 seconds"}"""
                .formatted(INVOCATION)));
        LambdaFailureRecord older = parse(record("RetriesExhausted", JOB, """
                {"errorMessage": "2026-03-15T10:45:00.000Z %s Task timed out after 900.00 seconds"}""".formatted(INVOCATION)));
        LambdaFailureRecord neverRan = parse(record("EventAgeExceeded", JOB, null));
        assertAll(
                () -> assertEquals(ErrorCode.EXPORT_TIMED_OUT, current.code()),
                () -> assertEquals("Sandbox.Timedout", current.reported()),
                () -> assertEquals(ErrorCode.EXPORT_TIMED_OUT, older.code()),
                () -> assertEquals("Sandbox.Timedout", older.reported()),
                () -> assertEquals(ErrorCode.EXPORT_TIMED_OUT, neverRan.code()),
                () -> assertEquals("EventAgeExceeded", neverRan.reported()),
                () -> assertEquals(EXPORT_ID, FailedRuns.FailedRun.of(neverRan, API_URL).exportId()));
    }

    @Test
    void aScheduledRunsExportIsItsTicks() throws Exception {
        String input = """
                {"schedule_name": "daily-acme-new", "client_id": "acme", "scheduled_time": "2026-12-07T07:00:00Z",
                 "date_range": "since_last_run", "file_format": "json"}""";
        LambdaFailureRecord record = parse(record("RetriesExhausted", input,
                """
                {"errorType": "Runtime.OutOfMemory", "errorMessage": "RequestId: %s Error: Runtime exited with error: signal: killed"}"""
                        .formatted(INVOCATION)));
        FailedRuns.FailedRun run = FailedRuns.FailedRun.of(record, API_URL);
        String tickExport = ScheduledTick.of(com.onboardingexport.shared.Json.MAPPER.readTree(input)).exportId();
        assertAll(
                () -> assertEquals(tickExport, run.exportId(), "the id the run itself took"),
                () -> assertTrue(run.exportId().matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), run.exportId()),
                () -> assertEquals("scheduled", run.mode()),
                () -> assertEquals(INVOCATION, run.requestId()),
                () -> assertEquals("json", run.fileFormat()),
                () -> assertEquals(API_URL + "/exports/onboarding/" + tickExport, run.statusUrl()),
                () -> assertEquals(Principal.schedule("daily-acme-new", "acme"), run.scheduled()),
                () -> assertEquals(ErrorCode.EXPORT_CRASHED, record.code()),
                () -> assertEquals("Runtime.OutOfMemory", record.reported()));
    }

    @Test
    void anyOtherEventIsNoExport() throws Exception {
        String crash = "{\"errorType\": \"Runtime.ExitError\"}";
        assertAll(
                () -> assertNull(FailedRuns.FailedRun.of(parse(record("RetriesExhausted", "{\"ping\": 1}", crash)), API_URL)),
                () -> assertNull(FailedRuns.FailedRun.of(parse(record("RetriesExhausted", "\"text\"", crash)), API_URL)),
                () -> assertNull(FailedRuns.FailedRun.of(parse(record("RetriesExhausted",
                        "{\"schedule_name\": \"../../exports/user-1\", \"scheduled_time\": \"2026-12-07T07:00:00Z\"}", crash)), API_URL),
                        "a schedule name the worker refuses"),
                () -> assertNull(FailedRuns.FailedRun.of(parse(record("RetriesExhausted",
                        "{\"schedule_name\": \"weekly\"}", crash)), API_URL), "a tick without its time"),
                () -> assertNull(FailedRuns.FailedRun.of(parse(record("RetriesExhausted",
                        "{\"background_export\": \"not a job\"}", crash)), API_URL)));
    }

    @Test
    void onlyAnErrorTypeIsRepeated() throws Exception {
        LambdaFailureRecord odd = parse(record("RetriesExhausted", JOB,
                "{\"errorType\": \"exports/user-7/secret key\", \"errorMessage\": \"s3://bucket/exports/user-7/file.csv\"}"));
        assertAll(
                () -> assertEquals("RetriesExhausted", odd.reported(), "neither the odd type nor the message"),
                () -> assertEquals(ErrorCode.EXPORT_CRASHED, odd.code()));
    }
}
