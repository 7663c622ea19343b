package com.onboardingexport.export.api;

import com.fasterxml.jackson.databind.JsonNode;

/** Starts the background part of an asynchronous export: in Lambda, an asynchronous invocation of the worker function. */
public interface BackgroundInvoker {
    /** @param functionArn the worker (its alias ARN, from the template) */
    void start(String functionArn, JsonNode event);
}
