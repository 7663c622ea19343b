package com.onboardingexport.export.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.onboardingexport.shared.Json;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * One tick of a schedule, as EventBridge Scheduler delivers it (at least once, possibly late): the
 * schedule's input, whose {@code scheduled_time} is the Scheduler's {@code <aws.scheduler.scheduled-time>}.
 * Every delivery of one tick has the same export id, so the status's conditional create lets one
 * of them run it; every window is computed from the scheduled time, so a late delivery exports what
 * an on-time one would have.
 *
 * @param request the input without the schedule's own fields: the request body
 */
public record ScheduledTick(String scheduleName, String clientId, Instant scheduledTime, ObjectNode request, String definition) {
    static final Pattern SCHEDULE_NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    /** A Strapi client id: documentId on Strapi 5, a number on Strapi 4. */
    static final Pattern CLIENT_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    /** The Scheduler's placeholder that the input carries in template.yaml. */
    public static final String SCHEDULED_TIME_PLACEHOLDER = "<aws.scheduler.scheduled-time>";
    /** The fields of a schedule's input that are not request fields. */
    private static final List<String> SCHEDULE_FIELDS = List.of("schedule_name", "client_id", "scheduled_time");

    /** Reads a scheduled event; a missing or malformed field is an {@link IllegalArgumentException} naming it. */
    public static ScheduledTick of(JsonNode event) {
        String scheduleName = event.path("schedule_name").asText("");
        if (!SCHEDULE_NAME.matcher(scheduleName).matches()) {
            throw new IllegalArgumentException("schedule_name must match " + SCHEDULE_NAME.pattern());
        }
        String clientId = event.path("client_id").asText("");
        if (!clientId.isEmpty() && !CLIENT_ID.matcher(clientId).matches()) {
            throw new IllegalArgumentException("client_id must match " + CLIENT_ID.pattern());
        }
        String time = event.path("scheduled_time").asText("");
        Instant scheduledTime;
        try {
            scheduledTime = OffsetDateTime.parse(time).toInstant();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("scheduled_time must be an ISO-8601 time such as 2026-12-07T07:00:00Z: put \""
                    + SCHEDULED_TIME_PLACEHOLDER + "\" in the schedule's input, and the time of the tick in a manual run");
        }
        ObjectNode request = event.deepCopy();
        request.remove(SCHEDULE_FIELDS);
        ObjectNode withoutTime = event.deepCopy();
        withoutTime.remove("scheduled_time");
        return new ScheduledTick(scheduleName, clientId, scheduledTime, request, sha256(canonical(withoutTime)));
    }

    /**
     * The export of this tick: a name-based UUID of the schedule and the scheduled time, the same
     * for every delivery. (The failure function finds a crashed run's export the same way.)
     */
    public String exportId() {
        return UUID.nameUUIDFromBytes(("onboarding-export scheduled " + scheduleName + " " + scheduledTime)
                .getBytes(StandardCharsets.UTF_8)).toString();
    }

    /** The input as one text whatever its key order, for {@link #definition}. */
    private static String canonical(JsonNode node) {
        try {
            return Json.MAPPER.writer().with(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
                    .writeValueAsString(Json.MAPPER.convertValue(node, Object.class));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("The schedule's input cannot be written back as JSON", e);
        }
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JVM", e);
        }
    }
}
