package com.onboardingexport.shared;

/** Strapi answered with an HTTP error that retrying does not mend; carries the status for callers that care (404). */
public class StrapiException extends ApiException {
    private final int httpStatus;

    public StrapiException(int httpStatus, String message) {
        super(ErrorCode.UPSTREAM_ERROR, message);
        this.httpStatus = httpStatus;
    }

    public int httpStatus() {
        return httpStatus;
    }
}
