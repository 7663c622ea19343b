package com.onboardingexport.export.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.onboardingexport.shared.ApiException;
import com.onboardingexport.shared.ErrorCode;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DateRangeTest {
    private static final Instant NOW = Instant.parse("2026-03-15T10:30:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

    @Test
    void rollingPresetsEndNow() {
        DateRange range = DateRange.parse("last_7_days", ZoneOffset.UTC, CLOCK);
        assertEquals(Instant.parse("2026-03-08T10:30:00Z"), range.start());
        assertEquals(NOW, range.end());
        assertEquals(Instant.parse("2026-02-13T10:30:00Z"), DateRange.parse(null, ZoneOffset.UTC, CLOCK).start(), "default last_30_days");
    }

    @Test
    void calendarPresetsFollowTheZone() {
        DateRange today = DateRange.parse("today", ZoneId.of("America/New_York"), CLOCK);
        assertEquals(Instant.parse("2026-03-15T04:00:00Z"), today.start());
        assertEquals(Instant.parse("2026-03-16T04:00:00Z"), today.end());
        DateRange lastMonth = DateRange.parse("last_month", ZoneOffset.UTC, CLOCK);
        assertEquals(Instant.parse("2026-02-01T00:00:00Z"), lastMonth.start());
        assertEquals(Instant.parse("2026-03-01T00:00:00Z"), lastMonth.end());
        DateRange thisMonth = DateRange.parse("this_month", ZoneOffset.UTC, CLOCK);
        assertEquals(Instant.parse("2026-03-01T00:00:00Z"), thisMonth.start());
        assertEquals(Instant.parse("2026-04-01T00:00:00Z"), thisMonth.end());
        DateRange all = DateRange.parse("all_time", ZoneOffset.UTC, CLOCK);
        assertNull(all.start());
        assertNull(all.end());
    }

    @Test
    void isoDatesIncludeBothDaysAndInstantsExcludeTheEnd() {
        DateRange days = DateRange.parse("2026-01-01/2026-01-31", ZoneOffset.UTC, CLOCK);
        assertEquals(Instant.parse("2026-01-01T00:00:00Z"), days.start());
        assertEquals(Instant.parse("2026-02-01T00:00:00Z"), days.end());
        assertEquals("between 2026-01-01 and 2026-01-31", days.description());
        DateRange instants = DateRange.parse("2026-01-01T00:00:00Z/2026-01-02T12:00:00+02:00", ZoneOffset.UTC, CLOCK);
        assertEquals(Instant.parse("2026-01-02T10:00:00Z"), instants.end());
    }

    @ParameterizedTest
    @ValueSource(strings = {"yesterday", "2026-02-01/2026-01-01", "2026-01-01T00:00:00Z/2026-01-01T00:00:00Z",
            "2026-01-01", "/2026-01-01", "2026-02-30/2026-03-01", "a/b"})
    void badRangesAre400(String value) {
        ApiException e = assertThrows(ApiException.class, () -> DateRange.parse(value, ZoneOffset.UTC, CLOCK));
        assertEquals(ErrorCode.INVALID_REQUEST, e.code());
    }
}
