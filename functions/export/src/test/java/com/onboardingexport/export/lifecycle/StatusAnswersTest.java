package com.onboardingexport.export.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.onboardingexport.export.format.Compression;
import com.onboardingexport.export.format.FileFormat;
import com.onboardingexport.export.model.ExportResult;
import com.onboardingexport.export.model.ExportStatus;
import com.onboardingexport.export.model.ExportedFile;
import com.onboardingexport.export.model.FileAnswer;
import com.onboardingexport.export.model.Principal;
import com.onboardingexport.shared.ErrorBody;
import com.onboardingexport.shared.Json;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The answers' records written as the API and the worker answer: field order and absent fields. */
class StatusAnswersTest {
    private static final Instant NOW = Instant.parse("2026-03-15T10:30:00Z");
    private static final String ID = "4f1c2d3e-0000-4000-8000-00000000a001";
    private static final StatusAnswers ANSWERS = new StatusAnswers(null, Clock.fixed(NOW, ZoneOffset.UTC));
    private static final ExportedFile PLAIN = ExportedFile.builder().key("exports/user-7/" + ID + "/a.csv").filename("a.csv")
            .format(FileFormat.CSV).recordCount(3).sizeBytes(120).build();

    private static ExportStatus running(Principal owner) {
        return ExportStatus.running(ID, owner, 3, NOW.minusSeconds(60), NOW.plusSeconds(600));
    }

    private static String json(Object answer) {
        return Json.MAPPER.valueToTree(answer).toString();
    }

    @Test
    @DisplayName("the 200 answer: the link between the id and the file, every optional field in its place")
    void fileAnswer() {
        ExportedFile full = ExportedFile.builder().key("k").filename("a.csv.gz").format(FileFormat.CSV).compression(Compression.GZIP)
                .recordCount(3).sizeBytes(99).overflowColumn("more_answers").fieldsNotFound(List.of("answers.nope"))
                .cellsTruncated(2L).rowsDegraded(1L).build();
        assertEquals("{\"export_id\":\"" + ID + "\",\"download_url\":\"https://s3/a\",\"filename\":\"a.csv.gz\",\"file_format\":\"csv\","
                + "\"compression\":\"gzip\",\"content_type\":\"application/gzip\",\"record_count\":3,\"size_bytes\":99,"
                + "\"expires_at\":\"2026-03-15T11:30:00Z\",\"columns_truncated\":true,\"overflow_column\":\"more_answers\","
                + "\"fields_not_found\":[\"answers.nope\"],\"cells_truncated\":2,\"rows_degraded\":1}",
                json(FileAnswer.of(new ExportResult(ID, "https://s3/a", NOW.plusSeconds(3600), full))));
        assertEquals("{\"export_id\":\"" + ID + "\",\"filename\":\"a.csv\",\"file_format\":\"csv\",\"content_type\":\"text/csv; charset=utf-8\","
                + "\"record_count\":3,\"size_bytes\":120}", json(FileAnswer.of(ExportResult.unsigned(ID, PLAIN))));
    }

    @Test
    @DisplayName("a status's answer in each state, without a link (the worker's)")
    void statusAnswers() {
        Principal user = new Principal("7", "client", "acme", null);
        Principal schedule = Principal.schedule("daily", "acme");
        assertEquals("{\"export_id\":\"" + ID + "\",\"status\":\"running\",\"rows_written\":0,\"total\":3}",
                json(ANSWERS.answer(running(user), "r", null)));
        assertEquals("{\"export_id\":\"" + ID + "\",\"filename\":\"a.csv\",\"file_format\":\"csv\",\"content_type\":\"text/csv; charset=utf-8\","
                + "\"record_count\":3,\"size_bytes\":120,\"status\":\"succeeded\",\"schedule_name\":\"daily\"}",
                json(ANSWERS.answer(running(schedule).succeeded(3, PLAIN), "r", null)));
        assertEquals("{\"export_id\":\"" + ID + "\",\"status\":\"succeeded\",\"record_count\":0,\"schedule_name\":\"daily\","
                + "\"message\":\"No onboarding responses new since 2026-03-14T10:29:00Z\"}",
                json(ANSWERS.answer(running(schedule).succeededEmpty("No onboarding responses new since 2026-03-14T10:29:00Z"), "r", null)));
        assertEquals("{\"export_id\":\"" + ID + "\",\"status\":\"failed\",\"error\":{\"status\":404,\"code\":\"NO_DATA\",\"message\":\"none\","
                + "\"request_id\":\"r\"},\"schedule_name\":\"daily\"}",
                json(ANSWERS.answer(running(schedule).failed(new ErrorBody.Error(404, "NO_DATA", "none", "r")), "r", null)));
    }

    @Test
    @DisplayName("a status still running past its deadline answers failed, EXPORT_TIMED_OUT")
    void pastItsDeadline() {
        ExportStatus late = ExportStatus.running(ID, new Principal("7", "client", "acme", null), 3, NOW.minusSeconds(60), NOW);
        assertEquals("{\"export_id\":\"" + ID + "\",\"status\":\"failed\",\"error\":{\"status\":500,\"code\":\"EXPORT_TIMED_OUT\","
                + "\"message\":\"The export did not finish in the time it had; quote request id r when reporting it\",\"request_id\":\"r\"}}",
                json(ANSWERS.answer(late, "r", null)));
    }
}
