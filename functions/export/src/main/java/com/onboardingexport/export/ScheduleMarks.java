package com.onboardingexport.export;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.onboardingexport.shared.JsonLog;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The high-water mark of a {@code since_last_run} schedule: the end of the window its last
 * successful run exported, in {@code schedules/<name>/high-water.json} in the export bucket (no
 * lifecycle rule: it is the schedule's state, not an export). It moves only after a run succeeds,
 * so a failed run's window is covered by the next one, and only by a conditional write on the
 * version read before the run, so of two runs of one schedule only one moves it.
 */
final class ScheduleMarks {
    /** The mark as stored, snake_case. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record HighWater(String scheduleName, String exportedUntil, String exportId, String updatedAt, String writeId)
            implements ConditionalStore.Stamped<HighWater> {
        @Override
        public HighWater written(String newWriteId, Instant now) {
            return new HighWater(scheduleName, exportedUntil, exportId, now.toString(), newWriteId);
        }
    }

    /** What a run read before it started: the mark, if the schedule has run before. */
    record Read(String scheduleName, Optional<ConditionalStore.Versioned<HighWater>> mark) {
        Optional<Instant> exportedUntil() {
            return mark.map(m -> Instant.parse(m.value().exportedUntil()));
        }
    }

    private final ConditionalStore<HighWater> objects;

    ScheduleMarks(S3Client s3, String bucket, Clock clock) {
        this.objects = new ConditionalStore<>(s3, bucket, HighWater.class, "the schedule's high-water mark", clock);
    }

    Read read(String scheduleName) {
        return new Read(scheduleName, objects.find(key(scheduleName)));
    }

    /** Moves the mark to {@code exportedUntil} unless another run moved it since {@code before} was read. */
    boolean advance(Read before, Instant exportedUntil, String exportId) {
        HighWater next = new HighWater(before.scheduleName(), exportedUntil.toString(), exportId, null, null);
        boolean moved = objects.write(key(before.scheduleName()), next, before.mark().map(ConditionalStore.Versioned::eTag).orElse(null))
                .isPresent();
        if (!moved) {
            JsonLog.warn("another run of the schedule moved its mark first; this run's rows are exported all the same",
                    "schedule_name", before.scheduleName(), "export_id", exportId);
        }
        return moved;
    }

    static String key(String scheduleName) {
        return "schedules/" + ExportService.safeKeyPart(scheduleName) + "/high-water.json";
    }
}
