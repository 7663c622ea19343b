package com.onboardingexport.it.authorizer;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;

/** The parts of a Lambda context the authorizer reads: a request id and the time left (its 10 s timeout). */
final class ItContext implements Context {
    private final long deadline = System.currentTimeMillis() + 10_000;

    @Override public String getAwsRequestId() { return "it-request"; }
    @Override public int getRemainingTimeInMillis() { return (int) Math.max(0, deadline - System.currentTimeMillis()); }
    @Override public String getLogGroupName() { return "/aws/lambda/onboarding-export-authorizer"; }
    @Override public String getLogStreamName() { return "it"; }
    @Override public String getFunctionName() { return "onboarding-export-authorizer"; }
    @Override public String getFunctionVersion() { return "1"; }
    @Override public String getInvokedFunctionArn() { return "arn:aws:lambda:eu-west-1:123456789012:function:onboarding-export-authorizer:live"; }
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
