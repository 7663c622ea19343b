package com.onboardingexport.export.model;

import com.onboardingexport.shared.ApiException;
import com.onboardingexport.shared.ErrorCode;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;

/**
 * A half-open interval [start, end) of submission instants; a null bound is open.
 * Parsed from a preset ({@code last_30_days}...) or an ISO-8601 interval: dates
 * ({@code 2026-01-01/2026-01-31}, both days included) or instants ({@code ...Z/...Z}, end excluded).
 * Day boundaries are midnight in the given zone (UTC by default).
 */
public record DateRange(Instant start, Instant end, String description) {
    public static final String DEFAULT = "last_30_days";
    /** The preset of a range without bounds, and its text once resolved. */
    public static final String ALL_TIME = "all_time";
    /** Bounds Strapi can read (four-digit years); anything else is the caller's mistake, not Strapi's. */
    private static final Instant EARLIEST = Instant.parse("1970-01-01T00:00:00Z");
    private static final Instant LATEST = Instant.parse("9999-12-31T00:00:00Z");

    public static DateRange parse(String text, ZoneId zone, Clock clock) {
        String value = text == null ? DEFAULT : text.trim();
        Instant now = clock.instant();
        LocalDate today = now.atZone(zone).toLocalDate();
        return switch (value) {
            case "today" -> days(today, today.plusDays(1), "today", zone);
            case "last_7_days" -> rolling(now, 7, value);
            case "last_30_days" -> rolling(now, 30, value);
            case "last_90_days" -> rolling(now, 90, value);
            case "this_month" -> days(today.withDayOfMonth(1), today.withDayOfMonth(1).plusMonths(1), value, zone);
            case "last_month" -> days(today.withDayOfMonth(1).minusMonths(1), today.withDayOfMonth(1), value, zone);
            case ALL_TIME -> allTime();
            default -> interval(value, zone);
        };
    }

    /** Every submission: no bound. */
    public static DateRange allTime() {
        return new DateRange(null, null, "at any time");
    }

    /** From {@code start} (included) to {@code end} (excluded), as an interval of instants reads. */
    public static DateRange between(Instant start, Instant end) {
        return new DateRange(start, end, "between " + start + " and " + end);
    }

    /**
     * The range resolved to instants, as text a background run reads back: {@code start/end}, or
     * {@code all_time} for a range without bounds.
     */
    public String resolvedText() {
        return start == null ? ALL_TIME : start + "/" + end;
    }

    /** The same window as its instants tell it, as a background run reads it back ({@link #ofResolvedText}). */
    public DateRange resolved() {
        return start == null ? allTime() : between(start, end);
    }

    /** Reads {@link #resolvedText()} back; an {@link IllegalArgumentException} for any other text. */
    public static DateRange ofResolvedText(String text) {
        if (ALL_TIME.equals(text)) {
            return allTime();
        }
        String[] bounds = text == null ? new String[0] : text.split("/", -1);
        if (bounds.length != 2) {
            throw new IllegalArgumentException("A resolved date_range is all_time or two instants: start/end");
        }
        try {
            return between(Instant.parse(bounds[0]), Instant.parse(bounds[1]));
        } catch (DateTimeException e) {
            throw new IllegalArgumentException("A resolved date_range is all_time or two instants: start/end", e);
        }
    }

    /** The last N×24 hours up to now. */
    private static DateRange rolling(Instant now, int days, String name) {
        Instant start = now.minus(Duration.ofDays(days));
        return new DateRange(start, now, "in " + name + " (" + start.truncatedTo(ChronoUnit.SECONDS) + " to "
                + now.truncatedTo(ChronoUnit.SECONDS) + ")");
    }

    private static DateRange days(LocalDate first, LocalDate endExclusive, String name, ZoneId zone) {
        return new DateRange(first.atStartOfDay(zone).toInstant(), endExclusive.atStartOfDay(zone).toInstant(),
                "between " + first + " and " + endExclusive.minusDays(1) + (name.isEmpty() ? "" : " (" + name + ")"));
    }

    private static DateRange interval(String value, ZoneId zone) {
        String[] parts = value.split("/", -1);
        if (parts.length != 2 || parts[0].isBlank() || parts[1].isBlank()) {
            throw invalid("date_range must be one of today, last_7_days, last_30_days, last_90_days, this_month, "
                    + "last_month, all_time, or an ISO-8601 interval such as 2026-01-01/2026-01-31");
        }
        try {
            DateRange range;
            if (parts[0].length() == 10 && parts[1].length() == 10) {
                LocalDate first = LocalDate.parse(parts[0]);
                LocalDate last = LocalDate.parse(parts[1]);
                if (last.isBefore(first)) {
                    throw invalid("date_range ends before it starts: " + Messages.printable(value));
                }
                range = days(first, last.plusDays(1), "", zone);
            } else {
                Instant start = instant(parts[0], zone);
                Instant end = instant(parts[1], zone);
                if (!end.isAfter(start)) {
                    throw invalid("date_range must end after it starts: " + Messages.printable(value));
                }
                range = between(start, end);
            }
            if (range.start().isBefore(EARLIEST) || range.end().isAfter(LATEST)) {
                throw invalid("date_range must lie between " + EARLIEST + " and " + LATEST);
            }
            return range;
        } catch (DateTimeException e) {
            throw invalid("date_range is not a valid ISO-8601 interval: " + Messages.printable(value));
        }
    }

    /** An instant with an offset or Z; a local date-time is read in the request's zone. */
    private static Instant instant(String text, ZoneId zone) {
        try {
            return ZonedDateTime.parse(text).toInstant();
        } catch (DateTimeParseException withoutOffset) {
            return java.time.LocalDateTime.parse(text).atZone(zone).toInstant();
        }
    }

    private static ApiException invalid(String message) {
        return new ApiException(ErrorCode.INVALID_REQUEST, message);
    }
}
