package com.onboardingexport.export.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.onboardingexport.shared.Json;
import java.io.IOException;

/** The worker's event for a background export: {@code {"background_export": job}}, as the API function sends it. */
public record BackgroundExportEvent(ExportJob job) implements WorkerEvent {

    /** Reads the job under {@link ExportJob#JOB_EVENT}; one that does not read as an {@link ExportJob} is {@link WorkerEvent.Unreadable}. */
    static BackgroundExportEvent of(JsonNode job) {
        ExportJob parsed;
        try {
            parsed = job == null || job.isNull() ? null : Json.MAPPER.treeToValue(job, ExportJob.class);
        } catch (IOException | IllegalArgumentException e) {
            throw notAJob(e);
        }
        if (parsed == null) {
            throw notAJob(null);
        }
        return new BackgroundExportEvent(parsed);
    }

    /** The event as the API function invokes the worker with it. */
    public ObjectNode toJson() {
        ObjectNode event = Json.MAPPER.createObjectNode();
        event.set(ExportJob.JOB_EVENT, Json.MAPPER.valueToTree(job));
        return event;
    }

    private static WorkerEvent.Unreadable notAJob(Throwable cause) {
        return new WorkerEvent.Unreadable("background export event is not a job", "The background export event is not a job", cause);
    }
}
