package com.onboardingexport.export;

import com.fasterxml.jackson.databind.JsonNode;

/** Starts the background part of an asynchronous export: in Lambda, an asynchronous invocation of this same function. */
public interface BackgroundInvoker {
    /** @param functionArn the ARN this invocation was called by (same version or alias), so the background run uses the same code */
    void start(String functionArn, JsonNode event);
}
