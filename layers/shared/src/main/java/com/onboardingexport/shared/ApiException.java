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
        return ErrorBody.of(code, message, requestId).toJson();
    }

    /** This failure as the error of a body or a status object. */
    public ErrorBody.Error error(String requestId) {
        return ErrorBody.of(code, getMessage(), requestId).error();
    }

    public String errorBody(String requestId) {
        return errorBody(code, getMessage(), requestId);
    }
}
