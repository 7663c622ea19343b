package com.onboardingexport.export;

import com.amazonaws.services.lambda.runtime.Context;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.onboardingexport.shared.ApiException;
import com.onboardingexport.shared.Deadline;
import com.onboardingexport.shared.ErrorBody;
import com.onboardingexport.shared.ErrorCode;
import com.onboardingexport.shared.Json;
import com.onboardingexport.shared.JsonLog;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongConsumer;
import java.util.regex.Pattern;

/**
 * The life of a background export, from the 202 to its end: the API function starts it (status
 * {@code running}, a marker against its user's limit, an asynchronous invocation of the worker);
 * the worker claims and runs it; the status endpoint reads it. A status only ever goes
 * {@code running → succeeded | failed} ({@link ExportStatusStore}'s conditional writes). A run that
 * died without writing its end (Lambda's timeout, a killed or crashed JVM) is closed by Lambda's
 * failure record ({@link #closeFailedRun}, in the failure function), and, should that record never
 * come, reported {@code failed} ({@code EXPORT_TIMED_OUT}) once the time by which it had to finish
 * has passed.
 */
public final class BackgroundExports {
    /** The key of the event the API function sends the worker to run an export in the background. */
    public static final String JOB_EVENT = BackgroundExportEvent.KEY;
    /** A schedule's date range: what is new since its last successful run. */
    public static final String SINCE_LAST_RUN = "since_last_run";
    /** A since_last_run schedule's window the first time it runs. */
    public static final String FIRST_RUN = "first_run";
    /**
     * By when a started export must have finished before its worker begins: the time its event may
     * wait in Lambda's queue (MaximumEventAgeInSeconds, 300) plus the worker's timeout (900), both
     * set in template.yaml. Once the worker begins, its own remaining time replaces it.
     */
    static final Duration UNCLAIMED_DEADLINE = Duration.ofSeconds(300 + 900);
    /** How far ahead of this function's clock a tick's scheduled time may be (clocks differ a little). */
    private static final Duration TICK_CLOCK_SKEW = Duration.ofMinutes(5);
    /** What a 429 TOO_MANY_EXPORTS tells the caller to wait before trying again. */
    public static final int RETRY_AFTER_SECONDS = 30;
    static final Pattern EXPORT_ID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    private static final Duration PROGRESS_INTERVAL = Duration.ofSeconds(5);
    private static final Duration SAFETY_MARGIN = Duration.ofSeconds(1);

    private final ExportConfig config;
    private final ExportService service;
    private final ExportRequestParser parser;
    private final ExportStatusStore statuses;
    private final RunningExports runningExports;
    private final BackgroundInvoker worker;
    private final ExportEvents events;
    private final ScheduleMarks marks;
    private final Clock clock;

    public BackgroundExports(ExportConfig config, ExportService service, ExportRequestParser parser, ExportStatusStore statuses,
                             RunningExports runningExports, BackgroundInvoker worker, ExportEvents events, ScheduleMarks marks,
                             Clock clock) {
        this.config = config;
        this.service = service;
        this.parser = parser;
        this.statuses = statuses;
        this.runningExports = runningExports;
        this.worker = worker;
        this.events = events;
        this.marks = marks;
        this.clock = clock;
    }

    /** The running exports' places, which synchronous exports take too. */
    public RunningExports places() {
        return runningExports;
    }

    /** The 202 body of an export handed to the worker. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Accepted(String exportId, String status, String statusUrl) {
    }

    /** Records the export as running, hands it to the worker, and returns the 202 body. */
    public Accepted start(ExportService.Plan plan, String requestId, String statusUrlBase) {
        return start(plan, ExportService.newExportId(), requestId, statusUrlBase);
    }

    /** As {@link #start(ExportService.Plan, String, String)}, under an export id chosen before (an idempotency key's). */
    public Accepted start(ExportService.Plan plan, String exportId, String requestId, String statusUrlBase) {
        Principal owner = plan.principal();
        Instant now = clock.instant();
        Instant mustFinishBy = now.plus(UNCLAIMED_DEADLINE);
        runningExports.takeOrRefuse(owner, exportId, mustFinishBy, now);
        String statusUrl = statusUrlBase + exportId;
        try {
            statuses.create(ExportStatus.running(exportId, owner, plan.total(), now, mustFinishBy)
                    .withJob(new ExportStatus.Job(plan.request().toResolvedJson(), requestId, statusUrl)));
        } catch (RuntimeException e) {
            runningExports.giveBack(owner, exportId);
            throw e;
        }
        ExportJob job = new ExportJob(exportId, now.toString(), requestId,
                new ExportJob.Owner(owner.userId(), owner.role(), owner.clientId()), plan.request().toResolvedJson(),
                statusUrl);
        try {
            worker.start(config.workerFunction(), new BackgroundExportEvent(job).toJson());
        } catch (RuntimeException e) {
            statuses.delete(exportId);
            runningExports.giveBack(owner, exportId);
            throw e;
        }
        return new Accepted(exportId, ExportStatus.RUNNING, statusUrl);
    }

    /**
     * Runs an export handed over by {@link #start}, in the worker. It first claims the export (a
     * conditional write), so of two deliveries of one job only one runs it; a delivery too late
     * for the deadline marks it failed. Whatever ends the run, its status ends finished, unless
     * Lambda itself kills it, which the deadline then reports. A failure that is ours (5xx) or an
     * {@code Error} is rethrown, so Lambda sends the event to the dead-letter queue.
     *
     * <p>Of its event only the export id counts: whoever may invoke the worker could write the rest.
     * The owner, the request and the status URL are the ones the API function stored with the status.
     */
    public void run(ExportJob job, Context context) {
        long started = System.nanoTime();
        String exportId = job.exportId() == null ? "" : job.exportId();
        JsonLog.put("export_id", exportId);
        Optional<ExportStatusStore.Versioned> found = EXPORT_ID.matcher(exportId).matches() ? statuses.find(exportId) : Optional.empty();
        if (found.isEmpty() || !found.get().status().isRunning() || found.get().status().isScheduled()) {
            JsonLog.warn("background export skipped: unknown or already finished", "export_id", exportId,
                    "request_id", context.getAwsRequestId(), "status", found.map(v -> v.status().status()).orElse("none"));
            return;
        }
        ExportStatusStore.Versioned current = found.get();
        ExportStatus.Job stored = current.status().job();
        // A status stored before jobs were kept with it (an export in flight during an update): its
        // owner is still the stored one, so the event can at most re-ask that user's own export.
        JsonNode request = stored != null ? stored.request() : job.request();
        String requestId = stored != null && stored.requestId() != null ? stored.requestId() : context.getAwsRequestId();
        String statusUrl = stored != null ? stored.statusUrl() : job.statusUrl();
        Principal principal = current.status().owner();
        principal.putInLogContext();
        if (current.status().workerRequestId() != null && !current.status().pastDeadline(clock.instant())) {
            // Not this delivery's: the one that runs it gives back its place.
            JsonLog.warn("background export skipped: another delivery runs it", "export_id", exportId, "request_id", requestId);
            return;
        }
        boolean ended = true;
        try {
            if (current.status().pastDeadline(clock.instant())) {
                finish(current, current.status().failed(timedOut(requestId)));
                JsonLog.warn("background export delivered after its deadline", "export_id", exportId, "request_id", requestId);
                return;
            }
            Instant now = clock.instant();
            Optional<ExportStatusStore.Versioned> claimed = statuses.replace(current, current.status()
                    .claimed(context.getAwsRequestId(), now, now.plusMillis(context.getRemainingTimeInMillis())));
            if (claimed.isEmpty()) {
                ended = false;
                JsonLog.warn("background export skipped: claimed or finished by another delivery", "export_id", exportId);
                return;
            }
            runClaimed(claimed.get(), new Run(request, Instant.parse(current.status().createdAt()), "async", requestId, null,
                    statusUrl, null), principal, context, started);
        } finally {
            if (ended) {
                runningExports.giveBack(principal, exportId);
            }
        }
    }

    /**
     * What one run exports: the request as JSON (parsed here), when it was asked for, how it runs
     * ({@code async} or {@code scheduled}), and what to say when nothing matches: null, a failure
     * (NO_DATA); else a succeeded export with no file, saying so (a schedule's "nothing new").
     */
    private record Run(JsonNode request, Instant requestedAt, String mode, String requestId, String nothingNew, String statusUrl,
                       String dateField) {
    }

    /**
     * Runs a claimed export to its end, announces it, and returns the final status; rethrows what
     * Lambda must count as a failure.
     */
    private ExportStatus runClaimed(ExportStatusStore.Versioned claimed, Run run, Principal principal, Context context, long started) {
        Progress progress = new Progress(claimed);
        String exportId = claimed.status().exportId();
        ExportRequest request = null;
        try {
            request = parser.parse(run.request(), Set.of(), run.requestedAt()).withDateField(run.dateField());
            Deadline deadline = Deadline.in(Duration.ofMillis(context.getRemainingTimeInMillis()).minus(SAFETY_MARGIN));
            ExportService.Plan plan;
            try {
                plan = service.plan(principal, request, deadline);
            } catch (ApiException e) {
                if (e.code() != ErrorCode.NO_DATA || run.nothingNew() == null) {
                    throw e;
                }
                ExportStatus empty = finish(progress.current, progress.current.status().succeededEmpty(run.nothingNew()));
                announce(empty, run);
                ExportAudit.log(run.mode(), run.requestId(), principal, request, "succeeded", exportId, 0L, 0L, null, started);
                return empty;
            }
            ExportService.StoredFile file = service.store(plan, exportId, run.requestedAt(), deadline, progress);
            ExportStatus done = finish(progress.current, progress.current.status().succeeded(plan.total(), ExportStatus.Result.of(file)));
            announce(done, run);
            ExportAudit.log(run.mode(), run.requestId(), principal, request, "succeeded", exportId, file.rows(), file.sizeBytes(), null, started);
            return done;
        } catch (RuntimeException | Error e) {
            ApiException failure = e instanceof ApiException api ? api
                    : new ApiException(ErrorCode.INTERNAL, "Internal error; quote request id " + run.requestId() + " when reporting it", e);
            ExportStatus failed = progress.current.status().failed(failure.error(run.requestId()));
            try {
                failed = finish(progress.current, failed);
                announce(failed, run);
            } catch (RuntimeException storing) {
                e.addSuppressed(storing); // the deadline reports it then
            }
            ExportAudit.log(run.mode(), run.requestId(), principal, request, "failed", exportId, null, null, e, started);
            if (e instanceof Error error) {
                throw error;
            }
            if (failure.code().status() >= 500) {
                throw failure;
            }
            return failed;
        }
    }

    /** The event of a finished export; a status the run could not store is reported by its deadline, not here. */
    private void announce(ExportStatus finished, Run run) {
        if (!finished.isRunning()) {
            events.announce(finished, run.mode(), run.request().path("file_format").asText("csv"), run.statusUrl());
        }
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
    public ObjectNode runScheduled(ScheduledTick tick, Context context) {
        long started = System.nanoTime();
        Principal principal = Principal.schedule(tick.scheduleName(), tick.clientId());
        principal.putInLogContext();
        JsonLog.put("export_id", tick.exportId());
        Instant now = clock.instant();
        Instant at = tick.scheduledTime();
        if (at.isAfter(now.plus(TICK_CLOCK_SKEW))) {
            throw new IllegalArgumentException("scheduled_time " + at + " is in the future; a tick runs at or after its time");
        }
        ObjectNode request = tick.request().deepCopy();
        JsonNode firstRun = request.remove(FIRST_RUN);
        ScheduleMarks.Read before = null;
        String nothingNew = null;
        boolean exportedAlready = false;
        if (SINCE_LAST_RUN.equals(request.path("date_range").asText())) {
            before = marks.read(tick);
            Instant since = before.exportedUntil().orElseGet(() -> firstRunStart(firstRun, request.path("timezone").asText("UTC"), at));
            nothingNew = "No onboarding responses new since " + since;
            if (at.isAfter(since)) {
                request.put("date_range", since + "/" + at);
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
            return answer(statuses.find(running.exportId()).map(ExportStatusStore.Versioned::status).orElse(running),
                    context.getAwsRequestId(), null);
        }
        ExportStatusStore.Versioned created = fresh.get();
        String exportId = created.status().exportId();
        String statusUrl = config.apiUrl().isEmpty() ? null : config.apiUrl() + "/exports/onboarding/" + exportId;
        if (exportedAlready) {
            Run late = new Run(request, at, "scheduled", context.getAwsRequestId(), nothingNew, statusUrl, null);
            ExportStatus empty = finish(created, created.status().succeededEmpty(nothingNew));
            announce(empty, late);
            ExportAudit.log(late.mode(), late.requestId(), principal, null, "succeeded", exportId, 0L, 0L, null, started);
            return answer(empty, context.getAwsRequestId(), null);
        }
        ExportStatus done = runClaimed(created, new Run(request, at, "scheduled", context.getAwsRequestId(), nothingNew, statusUrl,
                before == null ? null : config.incrementalDateField()), principal, context, started);
        if (before != null && ExportStatus.SUCCEEDED.equals(done.status())) {
            marks.advance(before, at, exportId);
        }
        return answer(done, context.getAwsRequestId(), null);
    }

    private Instant firstRunStart(JsonNode firstRun, String zone, Instant at) {
        String window = firstRun == null || firstRun.isNull() ? "last_7_days" : firstRun.asText();
        ObjectNode probe = Json.MAPPER.createObjectNode().put("date_range", window).put("timezone", zone);
        DateRange range = parser.parse(probe, Set.of(), at).dateRange();
        return range.start() == null ? Instant.EPOCH : range.start();
    }

    /** Writes a final status unless another delivery finished the export first; retries on a lost race with a progress write. */
    private ExportStatus finish(ExportStatusStore.Versioned current, ExportStatus finalStatus) {
        return close(current, finalStatus).status();
    }

    /** A final status as stored, and whether this writer stored it (false: another writer had finished the export). */
    private record Closed(ExportStatus status, boolean byThisWrite) {
    }

    private Closed close(ExportStatusStore.Versioned current, ExportStatus finalStatus) {
        ExportStatusStore.Versioned base = current;
        ExportStatus next = finalStatus;
        for (int attempt = 0; attempt < 5; attempt++) {
            Optional<ExportStatusStore.Versioned> written = statuses.replace(base, next);
            if (written.isPresent()) {
                return new Closed(written.get().status(), true);
            }
            Optional<ExportStatusStore.Versioned> now = statuses.find(next.exportId());
            if (now.isEmpty() || !now.get().status().isRunning()) {
                JsonLog.warn("export already finished by another delivery; its status stays",
                        "export_id", next.exportId(), "status", now.map(v -> v.status().status()).orElse("none"));
                return new Closed(now.map(ExportStatusStore.Versioned::status).orElse(next), false);
            }
            // A progress write came in between: the final status carries that version's fields on.
            ExportStatus latest = now.get().status();
            next = !ExportStatus.SUCCEEDED.equals(finalStatus.status()) ? latest.failed(finalStatus.error())
                    : finalStatus.result() == null ? latest.succeededEmpty(finalStatus.message())
                    : latest.succeeded(finalStatus.total(), finalStatus.result());
            base = now.get();
        }
        throw new ApiException(ErrorCode.STORAGE_ERROR, "The export's status could not be stored");
    }

    /**
     * Lambda's failure record of a worker run (in the failure function): the run it names ended
     * without finishing (its JVM killed, a crash, Lambda's timeout, an event too old to run), so its
     * export is marked failed now, by the same conditional writes as every other end: a status
     * already finished stays as it is, and an export that another delivery of its job is running is
     * left to it. Only the write that ends the export puts its {@code Export Failed} event; the
     * user's place is given back. A scheduled run's export is found by its tick
     * ({@link ScheduledTick#exportId}); one that died before writing its status gets a failed one, so
     * its notice still goes out. Whose place it was, and where its status is read, come from the
     * stored status, not from the record's copy of the event. The schedule's mark is never touched: the next run covers the window.
     *
     * @return what became of the export, for the function's answer and log
     */
    public ObjectNode closeFailedRun(LambdaFailureRecord record) {
        long started = System.nanoTime();
        FailedRun run = FailedRun.of(record, config.apiUrl());
        ObjectNode outcome = Json.MAPPER.createObjectNode().put("lambda_request_id", record.requestId());
        if (run == null || !EXPORT_ID.matcher(run.exportId()).matches()) {
            JsonLog.warn("failure record of no export run: nothing to close", "lambda_request_id", record.requestId());
            return outcome.put("outcome", "ignored");
        }
        outcome.put("export_id", run.exportId()).put("mode", run.mode());
        JsonLog.put("export_id", run.exportId());
        ErrorBody.Error error = new ApiException(record.code(), (record.code() == ErrorCode.EXPORT_TIMED_OUT
                ? "The export did not finish in the time it had" : "The export stopped before it finished")
                + " (Lambda reported " + record.reported() + "); quote request id " + run.requestId() + " when reporting it")
                .error(run.requestId());
        Optional<ExportStatusStore.Versioned> found = statuses.find(run.exportId());
        Closed closed;
        if (found.isEmpty()) {
            if (run.scheduled() == null) {
                JsonLog.warn("failure record of an unknown export: nothing to close", "export_id", run.exportId(),
                        "lambda_request_id", record.requestId());
                return outcome.put("outcome", "unknown");
            }
            Instant now = clock.instant();
            Optional<ExportStatusStore.Versioned> created = statuses.createIfAbsent(ExportStatus.running(run.exportId(), run.scheduled(),
                    0, now, now).claimed(record.requestId(), now, now).failed(error));
            closed = created.isPresent() ? new Closed(created.get().status(), true) : fail(found(run.exportId()), error);
        } else if (runningElsewhere(found.get().status(), record)) {
            return outcome.put("outcome", "running elsewhere");
        } else {
            ExportStatus stored = found.get().status();
            if (!stored.isScheduled() && stored.ownerUserId() != null) {
                // Before the status: whoever reads failed may start another export at once.
                runningExports.giveBack(stored.owner(), run.exportId());
            }
            if (stored.job() != null) {
                run = run.at(stored.job().statusUrl(), stored.job().request());
            }
            closed = fail(found.get(), error);
        }
        if (closed.byThisWrite()) {
            events.announce(closed.status(), run.mode(), run.fileFormat(), run.statusUrl());
            ExportAudit.closedAfterFailure(run.mode(), run.requestId(), closed.status(), record.requestId(), clock.instant(), started);
        }
        return outcome.put("outcome", closed.byThisWrite() ? "closed" : "already finished").put("status", closed.status().status());
    }

    /** Another delivery of the job holds the export: claimed under another request id, and within its time. */
    private boolean runningElsewhere(ExportStatus status, LambdaFailureRecord record) {
        String runner = status.workerRequestId();
        if (!status.isRunning() || runner == null || runner.equals(record.requestId()) || status.pastDeadline(clock.instant())) {
            return false;
        }
        JsonLog.warn("failure record of a delivery that did not run the export: another one does", "export_id", status.exportId(),
                "lambda_request_id", record.requestId(), "worker_request_id", runner);
        return true;
    }

    /** Fails a running export; a finished status comes back as it is. */
    private Closed fail(ExportStatusStore.Versioned current, ErrorBody.Error error) {
        return current.status().isRunning() ? close(current, current.status().failed(error)) : new Closed(current.status(), false);
    }

    private ExportStatusStore.Versioned found(String exportId) {
        return statuses.find(exportId).orElseThrow(() -> new ApiException(ErrorCode.STORAGE_ERROR,
                "The export's status could not be read back"));
    }

    /**
     * The export a failure record is about: a background export's job names it; a scheduled run's is
     * derives from its tick. Null for any other event.
     *
     * @param scheduled the schedule's principal (a status can be created for it); null for a background export
     */
    record FailedRun(String exportId, String mode, String requestId, String fileFormat, String statusUrl, Principal scheduled) {
        /** The same run with what its stored status says (the record's event copy is not to be trusted). */
        FailedRun at(String storedStatusUrl, JsonNode storedRequest) {
            return new FailedRun(exportId, mode, requestId, fileFormat(storedRequest), storedStatusUrl, scheduled);
        }

        static FailedRun of(LambdaFailureRecord record, String apiUrl) {
            JsonNode payload = record.requestPayload();
            WorkerEvent event;
            try {
                event = WorkerEvent.read(payload);
            } catch (IllegalArgumentException e) {
                return null;
            }
            return switch (event) {
                case BackgroundExportEvent export -> {
                    ExportJob job = export.job();
                    yield new FailedRun(job.exportId() == null ? "" : job.exportId(), "async",
                            job.requestId() == null ? record.requestId() : job.requestId(), fileFormat(job.request()), job.statusUrl(), null);
                }
                case ScheduledTick tick -> {
                    String exportId = tick.exportId();
                    yield new FailedRun(exportId, "scheduled", record.requestId(), fileFormat(payload),
                            apiUrl == null || apiUrl.isEmpty() ? null : apiUrl + "/exports/onboarding/" + exportId,
                            Principal.schedule(tick.scheduleName(), tick.clientId()));
                }
            };
        }

        private static String fileFormat(JsonNode request) {
            return request == null ? "csv" : request.path("file_format").asText("csv");
        }
    }

    /** Records rows written every few seconds, conditionally; stops once another writer has finished the export. */
    private final class Progress implements LongConsumer {
        private ExportStatusStore.Versioned current;
        private long lastWrite = System.nanoTime();
        private boolean finishedElsewhere;

        Progress(ExportStatusStore.Versioned claimed) {
            this.current = claimed;
        }

        @Override
        public void accept(long rows) {
            if (finishedElsewhere || System.nanoTime() - lastWrite < PROGRESS_INTERVAL.toNanos()) {
                return;
            }
            lastWrite = System.nanoTime();
            Optional<ExportStatusStore.Versioned> written = statuses.replace(current, current.status().progress(rows));
            if (written.isPresent()) {
                current = written.get();
                return;
            }
            Optional<ExportStatusStore.Versioned> reread = statuses.find(current.status().exportId());
            if (reread.isEmpty() || !reread.get().status().isRunning()) {
                finishedElsewhere = true;
            } else {
                current = reread.get();
            }
        }
    }

    /**
     * A synchronous export that ended in the API function: once succeeded, a status (so its status
     * URL re-signs its link like any other's) and its event; failed (5xx), its event alone. A
     * caller's mistake (4xx) is no finished export.
     */
    public void recordSync(Principal principal, ExportRequest request, ExportResult result, ApiException failure,
                           String requestId, String statusUrlBase) {
        if (result == null && (failure == null || failure.code().status() < 500)) {
            return;
        }
        try {
            Instant now = clock.instant();
            String exportId = result == null ? ExportService.newExportId() : result.exportId();
            ExportStatus running = ExportStatus.running(exportId, principal, 0, now, now);
            if (result == null) {
                // A failed synchronous export leaves nothing in the bucket, not even a status: its event says it all.
                events.announce(running.failed(failure.error(requestId)), "sync", request.format().extension(), null);
                return;
            }
            ExportStatus finished = running.succeeded(result.recordCount(), result.file());
            statuses.create(finished);
            events.announce(finished, "sync", request.format().extension(), statusUrlBase + exportId);
        } catch (RuntimeException e) {
            JsonLog.error("could not record a synchronous export", e, "request_id", requestId);
        }
    }

    /**
     * GET /exports/onboarding/{export_id}: only an admin, or its requester while still allowed to see
     * that data (the same role, and for a client user the same client as when it was made), learns
     * that it exists; a fresh link is signed for as long as the file is kept, and audited.
     */
    public ObjectNode status(Principal reader, String exportId, String requestId) {
        long started = System.nanoTime();
        Optional<ExportStatusStore.Versioned> found = EXPORT_ID.matcher(exportId).matches() ? statuses.find(exportId) : Optional.empty();
        if (found.isEmpty() || !mayRead(reader, found.get().status())) {
            throw new ApiException(ErrorCode.NOT_FOUND, "No such export");
        }
        return answer(found.get().status(), requestId,
                link -> ExportAudit.resigned(requestId, reader, found.get().status(), link, started));
    }

    /**
     * A status as the status endpoint answers it: once succeeded, a freshly signed link, told to
     * {@code signed}; with {@code signed} null, the same answer without a link (the worker's).
     */
    private ObjectNode answer(ExportStatus stored, String requestId, java.util.function.Consumer<ExportResult> signed) {
        ExportStatus status = stored.pastDeadline(clock.instant()) ? stored.failed(timedOut(requestId)) : stored;
        String exportId = status.exportId();
        ObjectNode body;
        if (ExportStatus.SUCCEEDED.equals(status.status()) && status.result() != null) {
            ExportResult link = signed == null ? new ExportResult(exportId, null, null, status.result()) : service.signed(exportId, status.result());
            if (signed != null) {
                signed.accept(link);
            }
            body = link.toJson();
            body.put("status", status.status());
        } else {
            body = Json.MAPPER.createObjectNode();
            body.put("export_id", exportId);
            body.put("status", status.status());
            if (ExportStatus.FAILED.equals(status.status())) {
                body.set("error", Json.MAPPER.valueToTree(status.error()));
            } else if (ExportStatus.SUCCEEDED.equals(status.status())) {
                body.put("record_count", 0);
            } else {
                body.put("rows_written", status.rowsWritten());
                body.put("total", status.total());
            }
        }
        if (status.scheduleName() != null) {
            body.put("schedule_name", status.scheduleName());
        }
        if (status.message() != null) {
            body.put("message", status.message());
        }
        return body;
    }

    private boolean mayRead(Principal reader, ExportStatus status) {
        if (reader.role().equals(config.adminRole())) {
            return true;
        }
        if (status.isScheduled()) {
            // A schedule of one client: that client's users; a schedule of every client: admins only.
            return reader.role().equals(config.clientRole()) && !status.ownerClientId().isEmpty()
                    && status.ownerClientId().equals(reader.clientId());
        }
        return reader.userId().equals(status.ownerUserId())
                && reader.role().equals(config.clientRole())
                && reader.role().equals(status.ownerRole())
                && !reader.clientId().isEmpty()
                && reader.clientId().equals(status.ownerClientId());
    }

    private static ErrorBody.Error timedOut(String requestId) {
        return new ApiException(ErrorCode.EXPORT_TIMED_OUT,
                "The export did not finish in the time it had; quote request id " + requestId + " when reporting it").error(requestId);
    }
}
