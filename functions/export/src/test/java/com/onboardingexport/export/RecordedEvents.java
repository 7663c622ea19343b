package com.onboardingexport.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.onboardingexport.shared.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.eventbridge.model.PutEventsRequest;
import software.amazon.awssdk.services.eventbridge.model.PutEventsRequestEntry;
import software.amazon.awssdk.services.eventbridge.model.PutEventsResponse;

/** EventBridge as the export events reach it: every entry put, kept in order. */
public final class RecordedEvents implements EventBridgeClient {
    /** One event: its detail-type and its detail. */
    public record Event(String source, String detailType, String busName, JsonNode detail) {
    }

    private final List<Event> events = new CopyOnWriteArrayList<>();

    public List<Event> events() {
        return List.copyOf(events);
    }

    @Override
    public PutEventsResponse putEvents(PutEventsRequest request) {
        for (PutEventsRequestEntry entry : request.entries()) {
            try {
                events.add(new Event(entry.source(), entry.detailType(), entry.eventBusName(), Json.MAPPER.readTree(entry.detail())));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return PutEventsResponse.builder().failedEntryCount(0).build();
    }

    @Override
    public String serviceName() {
        return "events";
    }

    @Override
    public void close() {
    }
}
