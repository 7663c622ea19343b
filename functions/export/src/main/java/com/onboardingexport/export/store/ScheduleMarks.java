package com.onboardingexport.export.store;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.onboardingexport.export.model.ScheduledTick;
import com.onboardingexport.export.model.Stamped;
import com.onboardingexport.shared.JsonLog;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;

/**
 * The high-water mark of a {@code since_last_run} schedule: the end of the window its last
 * successful run exported (its tick's scheduled time), in
 * {@code schedules/<name>/<definition>/high-water.json} in the export bucket (no lifecycle rule: it
 * is the schedule's state, not an export). {@code <definition>} is the SHA-256 of the schedule's
 * whole input but its time, so a run of any other input under the same name (an edited schedule,
 * or an invocation someone wrote by hand) has a mark of its own and never moves this one. It moves
 * only after a run succeeds, so a failed run's window is covered by the next one, only forward, and
 * only by a conditional write on the version read before the run, so of two runs one moves it.
 */
public final class ScheduleMarks {
    /** The mark as stored, snake_case. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record HighWater(String scheduleName, String exportedUntil, String exportId, String updatedAt, String writeId)
            implements Stamped<HighWater> {
        @Override
        public HighWater written(String newWriteId, Instant now) {
            return new HighWater(scheduleName, exportedUntil, exportId, now.toString(), newWriteId);
        }
    }

    /** What a run read before it started: the mark, if the schedule has run before. */
    public record Read(String key, String scheduleName, Optional<ConditionalStore.Versioned<HighWater>> mark,
                Optional<ConditionalStore.Versioned<HighWater>> legacy) {
        public Optional<Instant> exportedUntil() {
            return mark.or(() -> legacy).map(m -> Instant.parse(m.value().exportedUntil()));
        }
    }

    private final StampedObjects<HighWater> objects;

    public ScheduleMarks(ConditionalStore store, Clock clock) {
        this.objects = new StampedObjects<>(store, HighWater.class, "the schedule's high-water mark", clock);
    }

    public Read read(ScheduledTick tick) {
        String key = BucketLayout.scheduleMark(tick.scheduleName(), tick.definition());
        Optional<ConditionalStore.Versioned<HighWater>> mark = objects.find(key);
        // The mark of a schedule that ran before marks were kept per definition: where it starts, once.
        return new Read(key, tick.scheduleName(), mark,
                mark.isPresent() ? Optional.empty() : objects.find(BucketLayout.scheduleMarkBeforeDefinitions(tick.scheduleName())));
    }

    /** Moves the mark to {@code exportedUntil} unless another run moved it since {@code before} was read. */
    public boolean advance(Read before, Instant exportedUntil, String exportId) {
        HighWater next = new HighWater(before.scheduleName(), exportedUntil.toString(), exportId, null, null);
        boolean moved = objects.write(before.key(), next, before.mark().map(ConditionalStore.Versioned::eTag).orElse(null))
                .isPresent();
        if (!moved) {
            JsonLog.warn("another run of the schedule moved its mark first; this run's rows are exported all the same",
                    "schedule_name", before.scheduleName(), "export_id", exportId);
        }
        return moved;
    }
}
