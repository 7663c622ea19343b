package com.onboardingexport.export.worker;

import com.amazonaws.services.lambda.runtime.Context;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.onboardingexport.export.config.ExportConfig;
import com.onboardingexport.export.lifecycle.ExportAudit;
import com.onboardingexport.export.lifecycle.ExportLifecycle;
import com.onboardingexport.export.lifecycle.StatusAnswers;
import com.onboardingexport.export.model.DateRange;
import com.onboardingexport.export.model.ExportRequest;
import com.onboardingexport.export.model.ExportRequestParser;
import com.onboardingexport.export.model.ExportStatus;
import com.onboardingexport.export.model.Principal;
import com.onboardingexport.export.model.ScheduledTick;
import com.onboardingexport.export.store.ExportStatusStore;
import com.onboardingexport.export.store.ScheduleMarks;
import com.onboardingexport.shared.ApiException;
import com.onboardingexport.shared.ErrorCode;
import com.onboardingexport.shared.Json;
import com.onboardingexport.shared.JsonLog;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** The ticks of EventBridge Scheduler's schedules, run in the scheduled function (the worker's code). */
final class ScheduledRuns {
    /** A schedule's date range: what is new since its last successful run. */
    static final String SINCE_LAST_RUN = "since_last_run";
    /** A since_last_run schedule's window the first time it runs. */
    static final String FIRST_RUN = "first_run";
    /** How far ahead of this function's clock a tick's scheduled time may be (clocks differ a little). */
    private static final Duration TICK_CLOCK_SKEW = Duration.ofMinutes(5);

    private final ExportConfig config;
    private final ExportRequestParser parser;
    private final ExportStatusStore statuses;
    private final ExportLifecycle lifecycle;
    private final StatusAnswers answers;
    private final ScheduleMarks marks;
    private final ExportRunner runner;
    private final Clock clock;

    private ScheduledRuns(Builder builder) {
        this.config = builder.config;
        this.parser = builder.parser;
        this.statuses = builder.statuses;
        this.lifecycle = builder.lifecycle;
        this.answers = builder.answers;
        this.marks = builder.marks;
        this.runner = builder.runner;
        this.clock = builder.clock;
    }

    /**
     * A scheduled export, in the worker: the schedule's principal (every client, or the one it
     * names), a status like a background export's, readable by admins and, for a schedule of one
     * client, by that client's users. With {@code "date_range": "since_last_run"} it exports what
     * was created or updated from the schedule's last successful run to this tick ({@code first_run},
     * a preset or an interval, the first time: {@code last_7_days} by default), and a run with
     * nothing new succeeds, saying so. Every window is taken at the tick's scheduled time, and only
     * the first delivery of a tick runs it: the others answer its status. Returns the status as the
     * status endpoint would answer it, without a link (the worker's answer goes to whoever invoked it).
     */
    ObjectNode runScheduled(ScheduledTick tick, Context context) {
        long started = System.nanoTime();
        Principal principal = Principal.schedule(tick.scheduleName(), tick.clientId());
        principal.putInLogContext();
        JsonLog.put("export_id", tick.exportId());
        Instant now = clock.instant();
        Instant at = tick.scheduledTime();
        if (at.isAfter(now.plus(TICK_CLOCK_SKEW))) {
            throw new IllegalArgumentException("scheduled_time " + at + " is in the future; a tick runs at or after its time");
        }
        ObjectNode input = tick.request();
        JsonNode firstRun = input.get(FIRST_RUN);
        String timezone = input.path("timezone").asText("UTC");
        ScheduleMarks.Read before = null;
        DateRange window = null;
        String nothingNew = null;
        boolean exportedAlready = false;
        if (SINCE_LAST_RUN.equals(input.path("date_range").asText())) {
            before = marks.read(tick);
            Instant since = before.exportedUntil().orElseGet(() -> firstRunStart(firstRun, timezone, at));
            nothingNew = "No onboarding responses new since " + since;
            if (at.isAfter(since)) {
                window = DateRange.between(since, at);
            } else {
                // A tick no later than the last run's end (a delivery later than the next tick's run):
                // its window is exported already, so it succeeds with nothing, and moves nothing.
                exportedAlready = true;
                nothingNew = "Nothing to export: this schedule has exported until " + since + ", past this tick";
                before = null;
            }
        } else if (firstRun != null) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, FIRST_RUN + " goes with \"date_range\": \"" + SINCE_LAST_RUN + "\" only");
        }
        Instant mustFinishBy = now.plusMillis(context.getRemainingTimeInMillis());
        ExportStatus running = ExportStatus.running(tick.exportId(), principal, 0, now, mustFinishBy)
                .claimed(context.getAwsRequestId(), now, mustFinishBy);
        Optional<ExportStatusStore.Versioned> fresh = statuses.createIfAbsent(running);
        if (fresh.isEmpty()) {
            JsonLog.warn("scheduled export skipped: another delivery of this tick runs or ran it", "export_id", running.exportId(),
                    "schedule_name", tick.scheduleName(), "scheduled_time", at.toString(), "request_id", context.getAwsRequestId());
            return answer(statuses.find(running.exportId()).map(ExportStatusStore.Versioned::status).orElse(running), context);
        }
        ExportStatusStore.Versioned created = fresh.get();
        String exportId = created.status().exportId();
        String statusUrl = config.apiUrl().isEmpty() ? null : config.apiUrl() + "/exports/onboarding/" + exportId;
        String fileFormat = input.path("file_format").asText("csv");
        if (exportedAlready) {
            ExportRunner.Run late = new ExportRunner.Run(() -> null, fileFormat, at, "scheduled", context.getAwsRequestId(), nothingNew,
                    statusUrl);
            ExportStatus empty = lifecycle.finish(created, created.status().succeededEmpty(nothingNew));
            runner.announce(empty, late);
            ExportAudit.log(late.mode(), late.requestId(), principal, null, "succeeded", exportId, 0L, 0L, null, started);
            return answer(empty, context);
        }
        DateRange since = window;
        ExportStatus done = runner.runClaimed(created, new ExportRunner.Run(() -> request(input, since, at), fileFormat, at, "scheduled",
                context.getAwsRequestId(), nothingNew, statusUrl), principal, context, started);
        if (before != null && ExportStatus.SUCCEEDED.equals(done.status())) {
            marks.advance(before, at, exportId);
        }
        return answer(done, context);
    }

    /**
     * The request of a schedule's input, its relative date range taken at the tick; for
     * {@code since_last_run}, the window since the last run, on the field that says when a response
     * was created or updated.
     */
    private ExportRequest request(ObjectNode input, DateRange sinceLastRun, Instant at) {
        if (sinceLastRun == null) {
            return parser.parse(input, Set.of(), at);
        }
        ObjectNode body = input.deepCopy();
        body.remove(List.of("date_range", FIRST_RUN)); // the schedule's words, not a request's
        return parser.parse(body, Set.of(), at).withDateRange(sinceLastRun).withDateField(config.incrementalDateField());
    }

    /** The status as the worker answers it: as the status endpoint would, without a link. */
    private ObjectNode answer(ExportStatus status, Context context) {
        return Json.MAPPER.valueToTree(answers.answer(status, context.getAwsRequestId(), null));
    }

    private Instant firstRunStart(JsonNode firstRun, String zone, Instant at) {
        String window = firstRun == null || firstRun.isNull() ? "last_7_days" : firstRun.asText();
        ObjectNode probe = Json.MAPPER.createObjectNode().put("date_range", window).put("timezone", zone);
        DateRange range = parser.parse(probe, Set.of(), at).dateRange();
        return range.start() == null ? Instant.EPOCH : range.start();
    }

    static Builder builder() {
        return new Builder();
    }

    /** The parts a scheduled run is made of. */
    static final class Builder {
        private ExportConfig config;
        private ExportRequestParser parser;
        private ExportStatusStore statuses;
        private ExportLifecycle lifecycle;
        private StatusAnswers answers;
        private ScheduleMarks marks;
        private ExportRunner runner;
        private Clock clock;

        Builder config(ExportConfig value) {
            this.config = value;
            return this;
        }

        Builder parser(ExportRequestParser value) {
            this.parser = value;
            return this;
        }

        Builder statuses(ExportStatusStore value) {
            this.statuses = value;
            return this;
        }

        Builder lifecycle(ExportLifecycle value) {
            this.lifecycle = value;
            return this;
        }

        Builder answers(StatusAnswers value) {
            this.answers = value;
            return this;
        }

        Builder marks(ScheduleMarks value) {
            this.marks = value;
            return this;
        }

        Builder runner(ExportRunner value) {
            this.runner = value;
            return this;
        }

        Builder clock(Clock value) {
            this.clock = value;
            return this;
        }

        ScheduledRuns build() {
            return new ScheduledRuns(this);
        }
    }
}
