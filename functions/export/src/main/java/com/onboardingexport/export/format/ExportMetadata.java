package com.onboardingexport.export.format;

import java.time.Instant;
import java.util.List;

/** Who asked for which export, and when: the head of a JSON export. */
public record ExportMetadata(String exportId, Instant generatedAt, List<String> campaignIds, Window dateRange,
                             RequestedBy requestedBy) {
    /** The date range as asked ({@code value}), its instants (null: unbounded) and the zone of its days. */
    public record Window(String value, Instant start, Instant end, String timezone) {
    }

    /** A schedule (its name) or a user (id, role, client id; empty when none). */
    public record RequestedBy(String scheduleName, String userId, String role, String clientId) {
    }
}
