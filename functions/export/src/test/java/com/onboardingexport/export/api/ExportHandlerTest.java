package com.onboardingexport.export.api;

import static com.onboardingexport.export.TestStack.ACME_USER;
import static com.onboardingexport.export.TestStack.ADMIN;
import static com.onboardingexport.export.TestStack.GLOBEX_USER;
import static com.onboardingexport.export.TestStack.assertError;
import static com.onboardingexport.export.TestStack.body;
import static com.onboardingexport.export.TestStack.fieldNames;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.onboardingexport.export.FakeStrapi;
import com.onboardingexport.export.FileBucket;
import com.onboardingexport.export.RecordedEvents;
import com.onboardingexport.export.TestStack;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The export API function on API Gateway's proxy events, over the stand-ins of {@link TestStack}. */
class ExportHandlerTest {
    private final TestStack stack = new TestStack(6);

    @AfterEach
    void close() {
        stack.close();
    }

    @Test
    @DisplayName("a synchronous export: 200 with a signed link, the file in the bucket, a succeeded status, its event, no place left held")
    void synchronousExport() {
        APIGatewayProxyResponseEvent response = stack.post(ACME_USER, "{\"date_range\":\"last_30_days\",\"file_format\":\"csv\"}");

        assertEquals(200, response.getStatusCode(), response.getBody());
        assertEquals("application/json", response.getHeaders().get("Content-Type"));
        assertEquals("no-store", response.getHeaders().get("Cache-Control"));
        JsonNode answer = body(response);
        String exportId = answer.path("export_id").asText();
        assertEquals(List.of("export_id", "download_url", "filename", "file_format", "content_type", "record_count", "size_bytes",
                "expires_at"), fieldNames(answer));
        assertEquals("csv", answer.path("file_format").asText());
        assertEquals("text/csv; charset=utf-8", answer.path("content_type").asText());
        assertEquals(3, answer.path("record_count").asLong(), "acme's responses only: 1, 3, 5");
        assertEquals("2026-03-15T10:45:00Z", answer.path("expires_at").asText(), "the clock's now plus the link's 15 minutes");
        String key = "exports/user-7/" + exportId + "/onboarding-export-20260315T1030Z-" + exportId.substring(0, 8) + ".csv";
        assertTrue(answer.path("download_url").asText().startsWith("https://exports-bucket.s3.eu-west-1.amazonaws.com/" + key + "?"),
                answer.path("download_url").asText());
        FileBucket.StoredObject file = stack.files.objects().get(key);
        assertEquals(answer.path("size_bytes").asLong(), file.bytes().length);
        assertEquals("attachment; filename=\"" + answer.path("filename").asText() + "\"", file.contentDisposition());
        List<String> lines = file.text().lines().toList();
        assertEquals(4, lines.size(), file.text());
        assertTrue(lines.get(1).equals("r1,2026-03-01T10:00:01.000Z,spring,Spring,acme,Acme,Company 1,completed,Respondent 1"), lines.get(1));

        JsonNode status = stack.storedStatus(exportId);
        assertEquals("succeeded", status.path("status").asText());
        assertEquals("7", status.path("owner_user_id").asText());
        assertEquals(key, status.path("result").path("key").asText());
        assertTrue(status.path("job").isMissingNode(), "a synchronous export has no job");
        assertEquals(List.of(), stack.placesHeld());
        assertEquals(1, stack.events.events().size());
        RecordedEvents.Event event = stack.events.events().get(0);
        assertEquals("Export Succeeded", event.detailType());
        assertEquals("onboarding-export", event.source());
        assertEquals("sync", event.detail().path("mode").asText());
        assertEquals(TestStack.API_URL + "/exports/onboarding/" + exportId, event.detail().path("status_url").asText());
    }

    @Test
    @DisplayName("errors are {\"error\": {status, code, message, request_id}} with their HTTP status")
    void errors() {
        assertError(stack.post(new TestStack.Caller("", "", ""), "{}"), 401, "UNAUTHORIZED", "No authorised user on this request");
        assertError(stack.post(ACME_USER, "{not json"), 400, "INVALID_REQUEST", null);
        assertError(stack.post(new TestStack.Caller("5", "editor", ""), "{}"), 403, "FORBIDDEN",
                "Your role may not export onboarding responses");
        assertError(stack.post(ACME_USER, "{\"campaign_ids\":[\"autumn\"]}"), 403, "FORBIDDEN",
                "You may not export one or more of the campaigns asked for");
        stack.strapi.setResponses(0);
        assertError(stack.post(ACME_USER, "{\"date_range\":\"all_time\"}"), 404, "NO_DATA", null);
        stack.strapi.setResponses(6);
        stack.strapi.failWith(500);
        assertError(stack.post(ACME_USER, "{}"), 502, "UPSTREAM_ERROR", null);
        stack.strapi.failWith(0);
        assertError(stack.get(ACME_USER, "not-an-id"), 404, "NOT_FOUND", "No such export");
        assertEquals(List.of(), stack.placesHeld(), "no refused request holds a place");
        assertEquals(List.of(), stack.store.keys("status/"), "and none left a status");
        assertEquals(1, stack.events.events().size(), "only the 502 is an export that failed: " + stack.events.events());
        assertEquals("Export Failed", stack.events.events().get(0).detailType());
        assertEquals("UPSTREAM_ERROR", stack.events.events().get(0).detail().path("error_code").asText());
    }

    @Test
    @DisplayName("an asynchronous export: 202 with its status URL, then its status running, then succeeded with a fresh link once the worker ran it")
    void asynchronousExportAndItsStatus() {
        APIGatewayProxyResponseEvent accepted = stack.post(ACME_USER, "{\"mode\":\"async\"}");

        assertEquals(202, accepted.getStatusCode(), accepted.getBody());
        String exportId = body(accepted).path("export_id").asText();
        assertEquals(TestStack.json("{\"export_id\":\"" + exportId + "\",\"status\":\"running\",\"status_url\":\""
                + TestStack.API_URL + "/exports/onboarding/" + exportId + "\"}"), body(accepted));
        assertEquals(TestStack.json("{\"export_id\":\"" + exportId + "\",\"status\":\"running\",\"rows_written\":0,\"total\":3}"),
                body(stack.get(ACME_USER, exportId)));

        stack.runWorker(stack.onlyHandedOver(), "worker-1");

        APIGatewayProxyResponseEvent status = stack.get(ACME_USER, exportId);
        assertEquals(200, status.getStatusCode());
        JsonNode answer = body(status);
        assertEquals("succeeded", answer.path("status").asText());
        assertEquals(3, answer.path("record_count").asLong());
        assertTrue(answer.path("download_url").asText().startsWith("https://exports-bucket.s3.eu-west-1.amazonaws.com/exports/user-7/"
                + exportId + "/"), answer.toString());
        assertError(stack.get(GLOBEX_USER, exportId), 404, "NOT_FOUND", "No such export");
        assertEquals(200, stack.get(ADMIN, exportId).getStatusCode(), "an admin reads every export");
        assertError(stack.get(new TestStack.Caller("7", "client", FakeStrapi.GLOBEX), exportId), 404, "NOT_FOUND", "No such export");
        assertError(stack.get(new TestStack.Caller("7", "admin-assistant", FakeStrapi.ACME), exportId), 404, "NOT_FOUND",
                "No such export");
    }

    @Test
    @DisplayName("auto above ASYNC_ROW_THRESHOLD goes to the worker (202); sync above it is a 400 that says to send async")
    void rowThreshold() {
        try (TestStack small = new TestStack(6, config -> config.asyncRowThreshold(2))) {
            assertEquals(202, small.post(ACME_USER, "{}").getStatusCode());
            assertError(small.post(GLOBEX_USER, "{\"mode\":\"sync\"}"), 400, "INVALID_REQUEST", "Too many rows for a synchronous"
                    + " export (more than 2); send \"mode\": \"async\" (or \"auto\") and poll the status URL");
            assertEquals(List.of("running/client-acme/place-0.json", "running/user-7/place-0.json"), small.placesHeld());
        }
    }

    @Test
    @DisplayName("a third export of a user with two running is 429 TOO_MANY_EXPORTS with Retry-After: 30")
    void tooManyExports() {
        assertEquals(202, stack.post(ACME_USER, "{\"mode\":\"async\"}").getStatusCode());
        assertEquals(202, stack.post(ACME_USER, "{\"mode\":\"async\"}").getStatusCode());

        APIGatewayProxyResponseEvent refused = stack.post(ACME_USER, "{}");

        assertError(refused, 429, "TOO_MANY_EXPORTS", "You have 2 exports running already; retry when one has finished");
        assertEquals("30", refused.getHeaders().get("Retry-After"));
    }

    @Test
    @DisplayName("a status the store cannot read is 500 STORAGE_ERROR; one that is not a status is 500 INTERNAL")
    void unreadableStatus() {
        String exportId = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
        stack.store.put("status/" + exportId + ".json", "{\"export_id\": \"" + exportId + "\", \"status\": ");
        assertError(stack.get(ADMIN, exportId), 500, "INTERNAL", "The export's status is not what it should be");
        stack.store.failReads("status/");
        assertError(stack.get(ADMIN, exportId), 500, "STORAGE_ERROR", "The export's status could not be read");
    }
}
