package com.onboardingexport.export;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;

/** A Lambda context with a request id and a time budget: what the handlers read. */
public record TestContext(String requestId, int remainingMillis) implements Context {
    @Override public String getAwsRequestId() { return requestId; }
    @Override public int getRemainingTimeInMillis() { return remainingMillis; }
    @Override public String getLogGroupName() { return "/aws/lambda/onboarding-export"; }
    @Override public String getLogStreamName() { return "test"; }
    @Override public String getFunctionName() { return "onboarding-export"; }
    @Override public String getFunctionVersion() { return "$LATEST"; }
    @Override public String getInvokedFunctionArn() { return "arn:aws:lambda:eu-west-1:123456789012:function:onboarding-export"; }
    @Override public CognitoIdentity getIdentity() { return null; }
    @Override public ClientContext getClientContext() { return null; }
    @Override public int getMemoryLimitInMB() { return 1024; }
    @Override public LambdaLogger getLogger() {
        return new LambdaLogger() {
            @Override public void log(String message) { System.out.print(message); }
            @Override public void log(byte[] message) { System.out.print(new String(message)); }
        };
    }
}
