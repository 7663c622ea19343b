package com.onboardingexport.export.model;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What the worker function is invoked with, read in this one place ({@link #read}): a background
 * export the API function handed over, or a tick of a schedule. (Why the worker reads it from its
 * stream rather than through the runtime's serializer: see {@code worker.ExportWorkerHandler}.)
 */
public sealed interface WorkerEvent permits BackgroundExportEvent, ScheduledTick {

    /**
     * Reads an event: {@code {"background_export": job}} is a background export (whatever else it
     * holds); otherwise one with a {@code schedule_name} is a tick.
     *
     * @throws Unreadable when it is neither, or its job does not read as one
     * @throws IllegalArgumentException naming the field, for a tick with a missing or malformed field
     */
    static WorkerEvent read(JsonNode event) {
        if (event != null && event.has(ExportJob.JOB_EVENT)) {
            return BackgroundExportEvent.of(event.get(ExportJob.JOB_EVENT));
        }
        if (event != null && event.has(ScheduledTick.SCHEDULE_NAME_FIELD)) {
            return ScheduledTick.of(event);
        }
        throw new Unreadable("unrecognised event", "Unrecognised event: neither a background export nor a scheduled export", null);
    }

    /**
     * An event the worker cannot run. The handler logs {@link #logMessage()} and fails with a plain
     * {@link IllegalArgumentException} of the same message, the error type Lambda then reports.
     */
    final class Unreadable extends IllegalArgumentException {
        private final String logMessage;

        Unreadable(String logMessage, String message, Throwable cause) {
            super(message, cause);
            this.logMessage = logMessage;
        }

        public String logMessage() {
            return logMessage;
        }
    }
}
