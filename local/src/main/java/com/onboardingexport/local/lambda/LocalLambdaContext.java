package com.onboardingexport.local.lambda;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;

/**
 * The Context the Lambda runtime hands a handler: a request id, the function's name and ARN, its
 * memory, and a clock running down from its timeout. Used by the local API's function hosts and by
 * the tests.
 */
public record LocalLambdaContext(String requestId, String functionName, String invokedArn, int memoryMb, long deadlineNanos)
        implements Context {

    /** A context for a function that has {@code timeout} left, as tests need it. */
    public LocalLambdaContext(Duration timeout) {
        this(UUID.randomUUID().toString(), "local", "arn:aws:lambda:us-east-1:000000000000:function:local", 1024,
                System.nanoTime() + timeout.toNanos());
    }

    /** A minute left. */
    public LocalLambdaContext() {
        this(Duration.ofSeconds(60));
    }

    @Override
    public String getAwsRequestId() {
        return requestId;
    }

    @Override
    public String getLogGroupName() {
        return "/aws/lambda/" + functionName;
    }

    @Override
    public String getLogStreamName() {
        return "local";
    }

    @Override
    public String getFunctionName() {
        return functionName;
    }

    @Override
    public String getFunctionVersion() {
        return "$LATEST";
    }

    @Override
    public String getInvokedFunctionArn() {
        return invokedArn;
    }

    @Override
    public CognitoIdentity getIdentity() {
        return null;
    }

    @Override
    public ClientContext getClientContext() {
        return null;
    }

    @Override
    public int getRemainingTimeInMillis() {
        return (int) Math.max(0, (deadlineNanos - System.nanoTime()) / 1_000_000);
    }

    @Override
    public int getMemoryLimitInMB() {
        return memoryMb;
    }

    @Override
    public LambdaLogger getLogger() {
        return new LambdaLogger() {
            @Override
            public void log(String message) {
                System.out.println(message);
            }

            @Override
            public void log(byte[] message) {
                System.out.println(new String(message, StandardCharsets.UTF_8));
            }
        };
    }
}
