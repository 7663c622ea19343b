package com.onboardingexport.export.failure;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.onboardingexport.export.config.ExportConfig;
import com.onboardingexport.export.store.ConditionalStore;
import com.onboardingexport.shared.Json;
import com.onboardingexport.shared.JsonLog;
import com.onboardingexport.shared.LambdaMetrics;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;

/**
 * The failure function: the worker's on-failure destination. Lambda invokes it with its record of
 * a worker run that failed ({@link LambdaFailureRecord}); it closes that run's export
 * ({@link FailedRuns#closeFailedRun}), then forwards the record, as Lambda wrote it, to the
 * dead-letter queue for people and the alarm.
 */
public final class ExportFailureHandler implements RequestStreamHandler {
    private final FailureWiring parts;

    /** Used by the Lambda runtime: real clients, built once per container. */
    public ExportFailureHandler() {
        this.parts = FailureWiring.fromEnvironment();
    }

    /** For unit tests: the store, the events and the dead-letter queue given as stand-ins. */
    public ExportFailureHandler(ExportConfig config, ConditionalStore store, EventBridgeClient eventBridge, DeadLetterQueue deadLetters,
                                Clock clock) {
        this.parts = FailureWiring.wire(config, store, eventBridge, deadLetters, clock);
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        LambdaMetrics.beginInvocation(context);
        byte[] body = input.readAllBytes();
        ObjectNode answer;
        try {
            answer = parts.failedRuns().closeFailedRun(Json.MAPPER.readValue(body, LambdaFailureRecord.class));
        } catch (IOException | IllegalArgumentException e) {
            // Not a record this function can read: people still get it, on the queue.
            JsonLog.error("not a Lambda failure record", e, "request_id", context.getAwsRequestId());
            answer = Json.MAPPER.createObjectNode().put("outcome", "unreadable");
        }
        parts.deadLetters().forward(new String(body, StandardCharsets.UTF_8));
        JsonLog.info("failure record handled", "request_id", context.getAwsRequestId(), "outcome", answer.path("outcome").asText(),
                "export_id", answer.path("export_id").asText(null), "lambda_request_id", answer.path("lambda_request_id").asText(null));
        Json.MAPPER.writeValue(output, answer);
    }
}
