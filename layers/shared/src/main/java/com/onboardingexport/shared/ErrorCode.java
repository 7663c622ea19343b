package com.onboardingexport.shared;

/** The error table of the HTTP contract (the README's "Using the API", openapi.yaml): each code with its HTTP status. */
public enum ErrorCode {
    INVALID_REQUEST(400),
    UNAUTHORIZED(401),
    FORBIDDEN(403),
    NOT_FOUND(404),
    NO_DATA(404),
    TOO_MANY_EXPORTS(429),
    /** An Idempotency-Key whose request is still being answered and has no export to show yet (with Retry-After). */
    IDEMPOTENCY_KEY_IN_USE(409),
    /** An Idempotency-Key used within 24 hours with another request. */
    IDEMPOTENCY_KEY_REUSED(422),
    UPSTREAM_ERROR(502),
    UPSTREAM_TIMEOUT(504),
    STORAGE_ERROR(500),
    INTERNAL(500),
    /** A background export that did not finish in its time: Lambda's timeout, an event too old to run, or its deadline passed. */
    EXPORT_TIMED_OUT(500),
    /** A background export whose run ended without finishing it, as Lambda reported (its JVM killed or crashed). */
    EXPORT_CRASHED(500),
    /** An export whose rows would not fit in the function's temporary storage, even compressed. */
    EXPORT_TOO_LARGE(507);

    private final int status;

    ErrorCode(int status) {
        this.status = status;
    }

    public int status() {
        return status;
    }
}
