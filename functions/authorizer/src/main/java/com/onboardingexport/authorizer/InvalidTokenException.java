package com.onboardingexport.authorizer;

/**
 * A token that must be refused with 401. {@link #reason()} is a short code for the logs; the
 * message never holds the token or any part of it (java-jwt's own messages can quote the decoded
 * header or payload, so they are not passed on).
 */
public final class InvalidTokenException extends Exception {
    private final String reason;

    public InvalidTokenException(String reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    public String reason() {
        return reason;
    }
}
