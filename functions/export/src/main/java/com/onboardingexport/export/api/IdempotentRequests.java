package com.onboardingexport.export.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.onboardingexport.export.model.ExportRequest;
import com.onboardingexport.export.model.ExportStatus;
import com.onboardingexport.export.model.FileAnswer;
import com.onboardingexport.export.model.Principal;
import com.onboardingexport.export.model.Stamped;
import com.onboardingexport.export.service.ExportService;
import com.onboardingexport.export.store.BucketLayout;
import com.onboardingexport.export.store.ConditionalStore;
import com.onboardingexport.export.store.StampedObjects;
import com.onboardingexport.export.store.ExportStatusStore;
import com.onboardingexport.shared.ApiException;
import com.onboardingexport.shared.ErrorCode;
import com.onboardingexport.shared.Json;
import com.onboardingexport.shared.JsonLog;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * {@code Idempotency-Key} on {@code POST /exports/onboarding}: the same user, key and request within
 * {@link #WINDOW} get the first request's export, never a second one. Each key is an object
 * {@code idempotency/user-<id>/<SHA-256 of the key>.json} holding the SHA-256 of the request's
 * canonical form and the export id, created before the export starts ({@code If-None-Match: *}), so
 * of two requests with one key only one runs it. The record names its export id from the start; the
 * export's status ({@link ExportStatusStore}) then says what a retry gets: a fresh link once it
 * succeeded, the 202 while it runs in the background. A request that ended without an export
 * (refused, failed) releases its key, and a failed background export, or a record whose request died
 * before it had an export, is taken over: a retry runs the export anew.
 */
public final class IdempotentRequests {
    public static final String HEADER = "Idempotency-Key";
    static final int MAX_KEY_LENGTH = 255;
    static final Duration WINDOW = Duration.ofHours(24);
    /**
     * A record with no status behind it after this long belongs to a request that died: the API
     * function answers within its 30 s timeout, and a background export has its status within
     * milliseconds of its record.
     */
    static final Duration ABANDONED_AFTER = Duration.ofSeconds(60);
    /** What a 409 IDEMPOTENCY_KEY_IN_USE tells the caller to wait before retrying. */
    public static final int RETRY_AFTER_SECONDS = 2;
    private static final Pattern KEY = Pattern.compile("[\\x20-\\x7E]{1," + MAX_KEY_LENGTH + "}");
    private static final int ATTEMPTS = 5;

    /** A key's record, snake_case; no export id once released by a request that made no export. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Entry(String requestHash, String exportId, String recordedAt, String writeId) implements Stamped<Entry> {
        @Override
        public Entry written(String newWriteId, Instant now) {
            return new Entry(requestHash, exportId, now.toString(), newWriteId);
        }
    }

    /**
     * What a request with a key does: run its export under {@code exportId} (it holds the key), or,
     * a replay, answer {@code replayStatus} with {@code replayBody} (the first request's export).
     */
    public record Claim(String recordKey, String exportId, int replayStatus, ObjectNode replayBody) {
        public boolean isReplay() {
            return replayBody != null;
        }
    }

    private final StampedObjects<Entry> entries;
    private final ExportStatusStore statuses;
    private final ExportService service;
    private final Clock clock;

    public IdempotentRequests(ConditionalStore store, ExportStatusStore statuses, ExportService service, Clock clock) {
        this.entries = new StampedObjects<>(store, Entry.class, "the request's idempotency record", clock);
        this.statuses = statuses;
        this.service = service;
        this.clock = clock;
    }

    /** The request's key, if it has one; a 400 for a key that is empty, too long, not printable ASCII, or given twice. */
    public static Optional<String> key(Map<String, String> headers, Map<String, List<String>> multiValueHeaders) {
        if (multiValueHeaders != null) {
            for (var header : multiValueHeaders.entrySet()) {
                if (HEADER.equalsIgnoreCase(header.getKey()) && header.getValue() != null && header.getValue().size() > 1) {
                    throw new ApiException(ErrorCode.INVALID_REQUEST, HEADER + " is given more than once");
                }
            }
        }
        if (headers == null) {
            return Optional.empty();
        }
        for (var header : headers.entrySet()) {
            if (HEADER.equalsIgnoreCase(header.getKey())) {
                String key = header.getValue() == null ? "" : header.getValue();
                if (!KEY.matcher(key).matches()) {
                    throw new ApiException(ErrorCode.INVALID_REQUEST,
                            HEADER + " must be 1 to " + MAX_KEY_LENGTH + " printable ASCII characters");
                }
                return Optional.of(key);
            }
        }
        return Optional.empty();
    }

    /**
     * Claims the key for this request, or finds the export it stands for. A 422 when the key was used
     * with another request, a 409 (retry after {@link #RETRY_AFTER_SECONDS}) while the request that
     * holds it has no export to show yet.
     */
    public Claim claim(Principal principal, String key, ExportRequest request, String statusUrlBase) {
        String recordKey = recordKey(principal.userId(), key);
        String hash = fingerprint(principal, request);
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            Entry mine = new Entry(hash, ExportService.newExportId(), null, null);
            if (entries.write(recordKey, mine, null).isPresent()) {
                return new Claim(recordKey, mine.exportId(), 0, null);
            }
            Optional<ConditionalStore.Versioned<Entry>> found = entries.find(recordKey);
            if (found.isEmpty()) {
                continue; // gone since (expired): create it again
            }
            Entry held = found.get().value();
            Instant now = clock.instant();
            Instant recordedAt = Instant.parse(held.recordedAt());
            boolean expired = !recordedAt.plus(WINDOW).isAfter(now);
            if (!expired && !hash.equals(held.requestHash())) {
                throw new ApiException(ErrorCode.IDEMPOTENCY_KEY_REUSED, "This " + HEADER
                        + " was used with another request in the last 24 hours; use a new key for a new request");
            }
            if (!expired && held.exportId() != null) {
                Optional<ExportStatus> status = statuses.find(held.exportId()).map(ExportStatusStore.Versioned::status);
                if (status.isPresent() && status.get().file() != null) {
                    return replay(recordKey, held, 200, Json.MAPPER.valueToTree(
                            FileAnswer.of(service.signed(held.exportId(), status.get().file()))));
                }
                if (status.isPresent() && status.get().isRunning() && !status.get().pastDeadline(now)) {
                    ObjectNode accepted = Json.MAPPER.valueToTree(new HandOver.Accepted(held.exportId(),
                            ExportStatus.RUNNING, statusUrlBase + held.exportId()));
                    return replay(recordKey, held, 202, accepted);
                }
                if (status.isEmpty() && recordedAt.plus(ABANDONED_AFTER).isAfter(now)) {
                    throw new ApiException(ErrorCode.IDEMPOTENCY_KEY_IN_USE, "A request with this " + HEADER
                            + " is still being answered; retry in " + RETRY_AFTER_SECONDS + " seconds");
                }
            }
            // Expired, released, failed, or abandoned: this request runs the export anew, if no other one took the key first.
            if (entries.write(recordKey, mine, found.get().eTag()).isPresent()) {
                return new Claim(recordKey, mine.exportId(), 0, null);
            }
        }
        throw new ApiException(ErrorCode.IDEMPOTENCY_KEY_IN_USE, "Requests with this " + HEADER
                + " are being answered at the same time; retry in " + RETRY_AFTER_SECONDS + " seconds");
    }

    /**
     * Frees the key of a request that ended without an export (refused or failed), so a retry runs
     * it. Best effort: a record left holding an export id without a status is taken over after
     * {@link #ABANDONED_AFTER}.
     */
    public void release(Claim claim) {
        try {
            Optional<ConditionalStore.Versioned<Entry>> found = entries.find(claim.recordKey());
            if (found.isPresent() && claim.exportId().equals(found.get().value().exportId())) {
                Entry held = found.get().value();
                entries.write(claim.recordKey(), new Entry(held.requestHash(), null, null, null), found.get().eTag());
            }
        } catch (ApiException e) {
            JsonLog.warn("could not release an idempotency key", "export_id", claim.exportId(), "error", e.toString());
        }
    }

    private static Claim replay(String recordKey, Entry held, int status, ObjectNode body) {
        JsonLog.info("idempotent request answered with its first export", "export_id", held.exportId(), "status", status);
        return new Claim(recordKey, held.exportId(), status, body);
    }

    /**
     * The request as parsed, not its bytes: key order, spacing and defaults spelled out or left out
     * make no difference. The date range stays as asked ({@code last_7_days}), not resolved to
     * instants, which move between a request and its retry. The role and client are in it, so a user
     * whose access changed never gets the export made under the old one.
     */
    static String fingerprint(Principal principal, ExportRequest request) {
        ObjectNode json = Json.MAPPER.createObjectNode();
        json.put("role", principal.role());
        json.put("client_id", principal.clientId());
        request.campaignIds().stream().sorted().forEach(json.putArray("campaign_ids")::add);
        json.put("date_range", request.dateRangeText());
        json.put("timezone", request.zone().getId());
        json.put("file_format", request.format().extension());
        json.put("mode", request.mode().name());
        json.put("compression", request.compression().name());
        json.set("csv", request.csv().toJson());
        request.fields().forEach(json.putArray("fields")::add);
        return sha256(json.toString());
    }

    static String recordKey(String userId, String key) {
        return BucketLayout.idempotencyRecord(userId, sha256(key));
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
