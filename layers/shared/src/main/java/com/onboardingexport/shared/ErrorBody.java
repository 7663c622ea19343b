package com.onboardingexport.shared;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/** The error body of the HTTP contract, {@code {"error": {status, code, message, request_id}}}: built here only. */
public record ErrorBody(Error error) {

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Error(int status, String code, String message, String requestId) {
    }

    public static ErrorBody of(ErrorCode code, String message, String requestId) {
        return new ErrorBody(new Error(code.status(), code.name(), message, requestId));
    }

    public String toJson() {
        return Json.MAPPER.valueToTree(this).toString();
    }
}
