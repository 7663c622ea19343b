package com.onboardingexport.export.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.onboardingexport.export.model.ExportStatus;
import com.onboardingexport.shared.ApiException;
import com.onboardingexport.shared.Json;
import java.time.Clock;
import java.time.Instant;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The stored status JSON, read into the typed status and written back: the same bytes, for every shape a status takes. */
class StatusDocumentTest {
    private static final String ID = "4f1c2d3e-0000-4000-8000-00000000a001";

    @ParameterizedTest
    @ValueSource(strings = {
        // a background export handed over, not yet claimed
        "{\"export_id\":\"" + ID + "\",\"status\":\"running\",\"owner_user_id\":\"7301\",\"owner_role\":\"admin\",\"owner_client_id\":\"\","
            + "\"created_at\":\"2026-03-15T10:29:00.123456Z\",\"updated_at\":\"2026-03-15T10:29:00.223Z\",\"must_finish_by\":\"2026-03-15T10:49:00.123456Z\","
            + "\"total\":3,\"rows_written\":0,\"write_id\":\"w-1\",\"job\":{\"request\":{\"campaign_ids\":[\"yy1vo3amy1gpxpfzubw9jt5w\"],"
            + "\"date_range\":\"2019-03-01T00:00:00Z/2019-04-01T00:00:00Z\",\"timezone\":\"Z\",\"file_format\":\"json\",\"mode\":\"sync\","
            + "\"compression\":\"none\"},\"request_id\":\"req-1\",\"status_url\":\"/exports/onboarding/" + ID + "\"}}",
        // claimed, with progress, a CSV job with options and fields
        "{\"export_id\":\"" + ID + "\",\"status\":\"running\",\"owner_user_id\":\"7\",\"owner_role\":\"client\",\"owner_client_id\":\"acme\","
            + "\"created_at\":\"2026-03-15T10:29:00Z\",\"updated_at\":\"2026-03-15T10:29:05Z\",\"must_finish_by\":\"2026-03-15T10:44:00Z\","
            + "\"total\":300000,\"rows_written\":120000,\"worker_request_id\":\"lambda-1\",\"started_at\":\"2026-03-15T10:29:01Z\",\"write_id\":\"w-2\","
            + "\"job\":{\"request\":{\"campaign_ids\":[],\"date_range\":\"all_time\",\"timezone\":\"Europe/Zurich\",\"file_format\":\"csv\","
            + "\"mode\":\"sync\",\"compression\":\"gzip\",\"csv\":{\"bom\":true,\"delimiter\":\"\\t\"},\"fields\":[\"answers.company\",\"progress\"]},"
            + "\"request_id\":\"req-2\",\"status_url\":\"https://api.example/prod/exports/onboarding/" + ID + "\"}}",
        // a synchronous export that succeeded, every optional part of its file present
        "{\"export_id\":\"" + ID + "\",\"status\":\"succeeded\",\"owner_user_id\":\"7301\",\"owner_role\":\"admin\",\"owner_client_id\":\"\","
            + "\"created_at\":\"2026-03-15T10:29:00Z\",\"updated_at\":\"2026-03-15T10:29:00Z\",\"must_finish_by\":\"2026-03-15T10:29:00Z\","
            + "\"total\":3,\"rows_written\":3,\"write_id\":\"w-3\",\"result\":{\"key\":\"exports/user-7301/" + ID + "/a.csv.gz\","
            + "\"filename\":\"a.csv.gz\",\"file_format\":\"csv\",\"compression\":\"gzip\",\"record_count\":3,\"size_bytes\":512,"
            + "\"overflow_column\":\"more_answers\",\"fields_not_found\":[\"answers.nope\"],\"cells_truncated\":2,\"rows_degraded\":1}}",
        // a schedule's tick with nothing new
        "{\"export_id\":\"" + ID + "\",\"status\":\"succeeded\",\"owner_user_id\":\"schedule:daily\",\"owner_role\":\"system\","
            + "\"owner_client_id\":\"acme\",\"schedule_name\":\"daily\",\"created_at\":\"2026-03-15T10:29:00Z\",\"updated_at\":\"2026-03-15T10:29:02Z\","
            + "\"must_finish_by\":\"2026-03-15T10:44:00Z\",\"total\":0,\"rows_written\":0,\"worker_request_id\":\"lambda-2\","
            + "\"started_at\":\"2026-03-15T10:29:00Z\",\"write_id\":\"w-4\",\"message\":\"No onboarding responses new since 2026-03-14T10:29:00Z\"}",
        // failed
        "{\"export_id\":\"" + ID + "\",\"status\":\"failed\",\"owner_user_id\":\"schedule:empty\",\"owner_role\":\"system\",\"owner_client_id\":\"\","
            + "\"schedule_name\":\"empty\",\"created_at\":\"2026-03-15T10:29:00Z\",\"updated_at\":\"2026-03-15T10:29:01Z\","
            + "\"must_finish_by\":\"2026-03-15T10:44:00Z\",\"total\":0,\"rows_written\":0,\"worker_request_id\":\"lambda-3\","
            + "\"started_at\":\"2026-03-15T10:29:00Z\",\"write_id\":\"w-5\",\"error\":{\"status\":404,\"code\":\"NO_DATA\","
            + "\"message\":\"No onboarding responses for any campaign you may export between 2001-01-01 and 2001-01-31\",\"request_id\":\"lambda-3\"}}"})
    void writtenBackByteForByte(String stored) throws Exception {
        StatusDocument read = Json.MAPPER.readValue(stored, StatusDocument.class);
        ExportStatus status = read.toStatus();
        StatusDocument again = StatusDocument.of(status).written(read.writeId(), Instant.parse(read.updatedAt()));
        assertEquals(stored, Json.MAPPER.writeValueAsString(again));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"export_id\":\"" + ID + "\",\"total\":0,\"rows_written\":0}",
        "{\"export_id\":\"" + ID + "\",\"status\":\"paused\",\"total\":0,\"rows_written\":0}",
        "{\"export_id\":\"" + ID + "\",\"status\":\"running\",\"created_at\":\"yesterday\",\"total\":0,\"rows_written\":0}",
        "{\"export_id\":\"" + ID + "\",\"status\":\"succeeded\",\"total\":1,\"rows_written\":1,\"result\":{\"key\":\"k\","
            + "\"filename\":\"a.pdf\",\"file_format\":\"pdf\",\"record_count\":1,\"size_bytes\":1}}"})
    void storedValuesNoStatusHoldsAreAnInternalError(String stored) {
        InMemoryConditionalStore bucket = new InMemoryConditionalStore();
        bucket.put("status/" + ID + ".json", stored);
        ApiException refused = assertThrows(ApiException.class, () -> new ExportStatusStore(bucket, Clock.systemUTC()).find(ID));
        assertEquals(500, refused.code().status());
        assertEquals("INTERNAL", refused.code().name());
        assertEquals("The export's status is not what it should be", refused.getMessage());
    }
}
