package com.onboardingexport.export;

import com.amazonaws.services.lambda.runtime.Context;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.onboardingexport.shared.ApiException;
import com.onboardingexport.shared.Deadline;
import com.onboardingexport.shared.ErrorCode;
import com.onboardingexport.shared.Json;
import com.onboardingexport.shared.JsonLog;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongConsumer;
import java.util.regex.Pattern;

/**
 * The life of a background export, from the 202 to its end: the API function starts it (status
 * {@code running}, a marker against its user's limit, an asynchronous invocation of the worker);
 * the worker claims and runs it; the status endpoint reads it. A status only ever goes
 * {@code running → succeeded | failed} ({@link ExportStatusStore}'s conditional writes), and a run
 * that died (Lambda's timeout, an {@code Error}, a crash) is reported {@code failed}
 * ({@code EXPORT_TIMED_OUT}) once the time by which it had to finish has passed.
 */
public final class BackgroundExports {
    /** The key of the event the API function sends the worker to run an export in the background. */
    public static final String JOB_EVENT = "background_export";
    /**
     * By when a started export must have finished before its worker begins: the time its event may
     * wait in Lambda's queue (MaximumEventAgeInSeconds, 300) plus the worker's timeout (900), both
     * set in template.yaml. Once the worker begins, its own remaining time replaces it.
     */
    static final Duration UNCLAIMED_DEADLINE = Duration.ofSeconds(300 + 900);
    /** What a 429 TOO_MANY_EXPORTS tells the caller to wait before trying again. */
    public static final int RETRY_AFTER_SECONDS = 30;
    private static final Pattern EXPORT_ID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    private static final Duration PROGRESS_INTERVAL = Duration.ofSeconds(5);
    private static final Duration SAFETY_MARGIN = Duration.ofSeconds(1);

    private final ExportConfig config;
    private final ExportService service;
    private final ExportRequestParser parser;
    private final ExportStatusStore statuses;
    private final RunningExports runningExports;
    private final BackgroundInvoker worker;
    private final Clock clock;

    public BackgroundExports(ExportConfig config, ExportService service, ExportRequestParser parser, ExportStatusStore statuses,
                             RunningExports runningExports, BackgroundInvoker worker, Clock clock) {
        this.config = config;
        this.service = service;
        this.parser = parser;
        this.statuses = statuses;
        this.runningExports = runningExports;
        this.worker = worker;
        this.clock = clock;
    }

    /** Records the export as running, hands it to the worker, and returns the 202 body. */
    public ObjectNode start(ExportService.Plan plan, String requestId, String statusUrlBase) {
        Principal owner = plan.principal();
        Instant now = clock.instant();
        if (runningExports.count(owner.userId(), now) >= config.maxRunningExportsPerUser()) {
            throw new ApiException(ErrorCode.TOO_MANY_EXPORTS, "You have " + config.maxRunningExportsPerUser()
                    + " exports running already; retry when one has finished");
        }
        String exportId = ExportService.newExportId();
        Instant mustFinishBy = now.plus(UNCLAIMED_DEADLINE);
        ObjectNode status = statuses.running(exportId, owner, plan.total(), 0);
        status.put("must_finish_by", mustFinishBy.toString());
        statuses.create(status);
        runningExports.add(owner.userId(), exportId, mustFinishBy);
        ObjectNode job = Json.MAPPER.createObjectNode();
        job.put("export_id", exportId);
        job.put("requested_at", now.toString());
        job.put("request_id", requestId);
        job.set("principal", Json.MAPPER.createObjectNode()
                .put("userId", owner.userId())
                .put("role", owner.role())
                .put("clientId", owner.clientId()));
        job.set("request", plan.request().toResolvedJson());
        try {
            worker.start(config.workerFunction(), Json.MAPPER.createObjectNode().set(JOB_EVENT, job));
        } catch (RuntimeException e) {
            statuses.delete(exportId);
            runningExports.remove(owner.userId(), exportId, mustFinishBy);
            throw e;
        }
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("export_id", exportId);
        body.put("status", ExportStatusStore.RUNNING);
        body.put("status_url", statusUrlBase + exportId);
        return body;
    }

    /**
     * Runs an export handed over by {@link #start}, in the worker. It first claims the export (a
     * conditional write), so of two deliveries of one job only one runs it; a delivery too late
     * for the deadline marks it failed. Whatever ends the run, its status ends finished, unless
     * Lambda itself kills it, which the deadline then reports. A failure that is ours (5xx) or an
     * {@code Error} is rethrown, so Lambda sends the event to the dead-letter queue.
     */
    public void run(JsonNode job, Context context) {
        long started = System.nanoTime();
        String exportId = job.path("export_id").asText("");
        String requestId = job.path("request_id").asText(context.getAwsRequestId());
        Optional<ExportStatusStore.Versioned> found = EXPORT_ID.matcher(exportId).matches() ? statuses.find(exportId) : Optional.empty();
        if (found.isEmpty() || !found.get().running()) {
            JsonLog.warn("background export skipped: unknown or already finished", "export_id", exportId,
                    "request_id", requestId, "status", found.map(ExportStatusStore.Versioned::state).orElse("none"));
            return;
        }
        ExportStatusStore.Versioned current = found.get();
        JsonNode who = job.path("principal");
        Principal principal = new Principal(who.path("userId").asText(), who.path("role").asText(), who.path("clientId").asText(), null);
        Instant oldDeadline = Instant.parse(current.status().path("must_finish_by").asText(clock.instant().toString()));
        try {
            if (!clock.instant().isBefore(oldDeadline)) {
                finish(current, failed(current.status(), timedOut(requestId)));
                JsonLog.warn("background export delivered after its deadline", "export_id", exportId, "request_id", requestId);
                return;
            }
            if (current.status().hasNonNull("worker_request_id")) {
                JsonLog.warn("background export skipped: another delivery runs it", "export_id", exportId, "request_id", requestId);
                return;
            }
            ObjectNode claim = current.status().deepCopy();
            claim.put("worker_request_id", context.getAwsRequestId());
            claim.put("started_at", clock.instant().toString());
            claim.put("must_finish_by", clock.instant().plusMillis(context.getRemainingTimeInMillis()).toString());
            Optional<ExportStatusStore.Versioned> claimed = statuses.replace(current, claim);
            if (claimed.isEmpty()) {
                JsonLog.warn("background export skipped: claimed or finished by another delivery", "export_id", exportId);
                return;
            }
            runClaimed(claimed.get(), job, principal, requestId, context, started);
        } finally {
            runningExports.remove(principal.userId(), exportId, oldDeadline);
        }
    }

    private void runClaimed(ExportStatusStore.Versioned claimed, JsonNode job, Principal principal, String requestId,
                            Context context, long started) {
        Progress progress = new Progress(claimed);
        ExportRequest request = null;
        try {
            request = parser.parse(job.path("request"), Set.of());
            Deadline deadline = Deadline.in(Duration.ofMillis(context.getRemainingTimeInMillis()).minus(SAFETY_MARGIN));
            ExportService.Plan plan = service.plan(principal, request, deadline);
            ExportService.StoredFile file = service.store(plan, claimed.status().path("export_id").asText(),
                    Instant.parse(job.path("requested_at").asText()), deadline, progress);
            ObjectNode done = progress.current.status().deepCopy();
            done.put("status", ExportStatusStore.SUCCEEDED);
            done.put("total", plan.total());
            done.put("rows_written", file.rows());
            done.set("result", Json.MAPPER.createObjectNode()
                    .put("key", file.key())
                    .put("filename", file.filename())
                    .put("file_format", file.format().extension())
                    .put("record_count", file.rows())
                    .put("size_bytes", file.sizeBytes())
                    .put("overflow_column", file.overflowColumn()));
            finish(progress.current, done);
            ExportAudit.log("async", requestId, principal, request, "succeeded", file.exportId(), file.rows(), file.sizeBytes(), null, started);
        } catch (RuntimeException | Error e) {
            ApiException failure = e instanceof ApiException api ? api
                    : new ApiException(ErrorCode.INTERNAL, "Internal error; quote request id " + requestId + " when reporting it", e);
            try {
                finish(progress.current, failed(progress.current.status(), failure.code(), failure.getMessage(), requestId));
            } catch (RuntimeException storing) {
                e.addSuppressed(storing); // the deadline reports it then
            }
            ExportAudit.log("async", requestId, principal, request, "failed", claimed.status().path("export_id").asText(), null, null, e, started);
            if (e instanceof Error error) {
                throw error;
            }
            if (failure.code().status() >= 500) {
                throw failure;
            }
        }
    }

    /** Writes a final status unless another delivery finished the export first; retries on a lost race with a progress write. */
    private void finish(ExportStatusStore.Versioned current, ObjectNode finalStatus) {
        ExportStatusStore.Versioned base = current;
        for (int attempt = 0; attempt < 5; attempt++) {
            ObjectNode next = finalStatus.deepCopy();
            if (statuses.replace(base, next).isPresent()) {
                return;
            }
            Optional<ExportStatusStore.Versioned> now = statuses.find(base.status().path("export_id").asText());
            if (now.isEmpty() || !now.get().running()) {
                JsonLog.warn("export already finished by another delivery; its status stays",
                        "export_id", base.status().path("export_id").asText(), "status", now.map(ExportStatusStore.Versioned::state).orElse("none"));
                return;
            }
            base = now.get();
        }
        throw new ApiException(ErrorCode.STORAGE_ERROR, "The export's status could not be stored");
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
            ObjectNode next = current.status().deepCopy();
            next.put("rows_written", rows);
            Optional<ExportStatusStore.Versioned> written = statuses.replace(current, next);
            if (written.isPresent()) {
                current = written.get();
                return;
            }
            Optional<ExportStatusStore.Versioned> reread = statuses.find(current.status().path("export_id").asText());
            if (reread.isEmpty() || !reread.get().running()) {
                finishedElsewhere = true;
            } else {
                current = reread.get();
            }
        }
    }

    /**
     * GET /exports/onboarding/{export_id}: only an admin, or its requester while still allowed to see
     * that data (the same role, and for a client user the same client as when it was made), learns
     * that it exists; a fresh link is signed for as long as the file is kept.
     */
    public ObjectNode status(Principal reader, String exportId, String requestId) {
        Optional<ExportStatusStore.Versioned> found = EXPORT_ID.matcher(exportId).matches() ? statuses.find(exportId) : Optional.empty();
        if (found.isEmpty() || !mayRead(reader, found.get().status())) {
            throw new ApiException(ErrorCode.NOT_FOUND, "No such export");
        }
        ObjectNode status = found.get().status();
        if (found.get().running() && !clock.instant().isBefore(Instant.parse(status.path("must_finish_by").asText(Instant.MAX.toString())))) {
            status = failed(status, timedOut(requestId));
        }
        String state = status.path("status").asText();
        ObjectNode body;
        if (ExportStatusStore.SUCCEEDED.equals(state)) {
            JsonNode result = status.path("result");
            body = service.signed(exportId, result.path("key").asText(), result.path("filename").asText(),
                    FileFormat.valueOf(result.path("file_format").asText().toUpperCase(Locale.ROOT)),
                    result.path("record_count").asLong(), result.path("size_bytes").asLong(),
                    result.path("overflow_column").textValue()).toJson();
            body.put("status", state);
        } else {
            body = Json.MAPPER.createObjectNode();
            body.put("export_id", exportId);
            body.put("status", state);
            if (ExportStatusStore.FAILED.equals(state)) {
                body.set("error", status.path("error"));
            } else {
                body.put("rows_written", status.path("rows_written").asLong());
                body.put("total", status.path("total").asLong());
            }
        }
        return body;
    }

    private boolean mayRead(Principal reader, ObjectNode status) {
        if (reader.role().equals(config.adminRole())) {
            return true;
        }
        return reader.userId().equals(status.path("owner_user_id").asText())
                && reader.role().equals(config.clientRole())
                && reader.role().equals(status.path("owner_role").asText())
                && !reader.clientId().isEmpty()
                && reader.clientId().equals(status.path("owner_client_id").asText());
    }

    private static ApiException timedOut(String requestId) {
        return new ApiException(ErrorCode.EXPORT_TIMED_OUT,
                "The export did not finish in the time it had; quote request id " + requestId + " when reporting it");
    }

    private static ObjectNode failed(ObjectNode status, ApiException failure) {
        return failed(status, failure.code(), failure.getMessage(), null);
    }

    private static ObjectNode failed(ObjectNode status, ErrorCode code, String message, String requestId) {
        ObjectNode failed = status.deepCopy();
        failed.put("status", ExportStatusStore.FAILED);
        ObjectNode error = failed.putObject("error");
        error.put("status", code.status());
        error.put("code", code.name());
        error.put("message", message);
        error.put("request_id", requestId == null ? status.path("worker_request_id").asText("") : requestId);
        return failed;
    }
}
