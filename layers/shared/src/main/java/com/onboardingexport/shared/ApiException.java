package com.onboardingexport.shared;

/**
 * A failure that ends a request with an entry of the error table. The message is shown to the
 * caller, so it must never hold a secret, a stack trace or another client's data.
 */
public class ApiException extends RuntimeException {
    private final ErrorCode code;

    public ApiException(ErrorCode code, String message) {
        super(message);
        this.code = code;
    }

    public ApiException(ErrorCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public ErrorCode code() {
        return code;
    }

    /** The error body of the HTTP contract: {"error": {status, code, message, request_id}}. */
    public static String errorBody(ErrorCode code, String message, String requestId) {
        var error = Json.MAPPER.createObjectNode();
        error.put("status", code.status());
        error.put("code", code.name());
        error.put("message", message);
        error.put("request_id", requestId);
        var body = Json.MAPPER.createObjectNode();
        body.set("error", error);
        return body.toString();
    }

    public String errorBody(String requestId) {
        return errorBody(code, getMessage(), requestId);
    }
}
