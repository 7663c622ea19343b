package com.onboardingexport.export.failure;

import com.fasterxml.jackson.databind.JsonNode;
import com.onboardingexport.shared.ErrorCode;
import java.util.regex.Pattern;

/**
 * Lambda's record of an asynchronous invocation that failed, as its on-failure destination gets it
 * (camelCase, as Lambda writes it): which invocation ({@code requestContext.requestId}, the request
 * id the run's own context had), why Lambda gave up ({@code condition}), the event, and what the run
 * answered ({@code responsePayload}: the runtime's error document; absent for an event that never ran).
 */
public record LambdaFailureRecord(String version, String timestamp, RequestContext requestContext, JsonNode requestPayload,
                                  ResponseContext responseContext, JsonNode responsePayload) {
    /** Lambda's condition for an event dropped unrun, older than MaximumEventAgeInSeconds. */
    static final String EVENT_AGE_EXCEEDED = "EventAgeExceeded";
    /** Lambda's error type for a run stopped at the function's timeout. */
    static final String TIMED_OUT = "Sandbox.Timedout";
    /** An error type as the runtimes write them (Runtime.ExitError, java.lang.OutOfMemoryError): nothing else goes in a message. */
    private static final Pattern ERROR_TYPE = Pattern.compile("[A-Za-z0-9_.$]{1,120}");

    public record RequestContext(String requestId, String functionArn, String condition, int approximateInvokeCount) {
    }

    public record ResponseContext(Integer statusCode, String executedVersion, String functionError) {
    }

    /** The failed invocation's request id, empty when the record has none. */
    public String requestId() {
        return requestContext == null || requestContext.requestId() == null ? "" : requestContext.requestId();
    }

    private String condition() {
        return requestContext == null || requestContext.condition() == null ? "" : requestContext.condition();
    }

    /**
     * Out of time: Lambda stopped the run at its timeout, or dropped the event before it ran. Older
     * runtimes' timeouts carry no error type, only the message "... Task timed out after N seconds".
     */
    public boolean timedOut() {
        return EVENT_AGE_EXCEEDED.equals(condition()) || TIMED_OUT.equals(responsePayload().path("errorType").asText())
                || responsePayload().path("errorMessage").asText().contains("Task timed out after");
    }

    /** How the run ended, as Lambda reported it: its error type when it is one, else Lambda's condition. */
    public String reported() {
        String type = responsePayload().path("errorType").asText("");
        if (ERROR_TYPE.matcher(type).matches()) {
            return type;
        }
        if (timedOut() && !EVENT_AGE_EXCEEDED.equals(condition())) {
            return TIMED_OUT;
        }
        return ERROR_TYPE.matcher(condition()).matches() ? condition() : "an unknown failure";
    }

    /** The error a status gets for this record. */
    public ErrorCode code() {
        return timedOut() ? ErrorCode.EXPORT_TIMED_OUT : ErrorCode.EXPORT_CRASHED;
    }

    @Override
    public JsonNode responsePayload() {
        return responsePayload == null ? com.fasterxml.jackson.databind.node.MissingNode.getInstance() : responsePayload;
    }

    @Override
    public JsonNode requestPayload() {
        return requestPayload == null ? com.fasterxml.jackson.databind.node.MissingNode.getInstance() : requestPayload;
    }
}
