package com.onboardingexport.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.onboardingexport.shared.ApiException;
import com.onboardingexport.shared.ErrorCode;
import java.util.function.Supplier;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.InvocationType;

/**
 * Hands a large export to an asynchronous invocation (InvocationType Event) of the worker function:
 * no queue to run, up to 15 minutes, and Lambda keeps the event and retries it if the run
 * crashes. The client is built on first use, so synchronous exports never pay for it.
 */
public final class LambdaWorkerInvoker implements BackgroundInvoker {
    private final Supplier<LambdaClient> client;
    private volatile LambdaClient built;

    public LambdaWorkerInvoker(Supplier<LambdaClient> client) {
        this.client = client;
    }

    @Override
    public void start(String functionArn, JsonNode event) {
        try {
            int status = lambda().invoke(b -> b.functionName(functionArn)
                    .invocationType(InvocationType.EVENT)
                    .payload(SdkBytes.fromUtf8String(event.toString()))).statusCode();
            if (status != 202) {
                throw new ApiException(ErrorCode.INTERNAL, "The background export could not be started");
            }
        } catch (SdkException e) {
            throw new ApiException(ErrorCode.INTERNAL, "The background export could not be started", e);
        }
    }

    private LambdaClient lambda() {
        if (built == null) {
            synchronized (this) {
                if (built == null) {
                    built = client.get();
                }
            }
        }
        return built;
    }
}
