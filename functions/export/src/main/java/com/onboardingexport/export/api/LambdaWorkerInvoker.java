package com.onboardingexport.export.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.onboardingexport.shared.ApiException;
import com.onboardingexport.shared.ErrorCode;
import com.onboardingexport.shared.Traces;
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
        // The hand-over as an X-Ray subsegment; the SDK passes the trace on, so the worker's run joins it.
        try (Traces.Span span = Traces.open("WorkerHandOver").annotate("invocation_type", "Event")) {
            int status;
            try {
                status = lambda().invoke(b -> b.functionName(functionArn)
                        .invocationType(InvocationType.EVENT)
                        .payload(SdkBytes.fromUtf8String(event.toString()))).statusCode();
            } catch (SdkException e) {
                span.fail(e);
                throw new ApiException(ErrorCode.INTERNAL, "The background export could not be started", e);
            }
            span.annotate("http_status", status);
            if (status != 202) {
                throw new ApiException(ErrorCode.INTERNAL, "The background export could not be started");
            }
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
