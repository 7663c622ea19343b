package com.onboardingexport.export;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.SendMessageRequest;
import software.amazon.awssdk.services.sqs.model.SendMessageResponse;

/** SQS as the dead-letter queue receives the failure records: every message body sent, in order. */
public final class RecordedQueue implements SqsClient {
    private final List<String> messages = new CopyOnWriteArrayList<>();

    public List<String> messages() {
        return List.copyOf(messages);
    }

    @Override
    public SendMessageResponse sendMessage(SendMessageRequest request) {
        messages.add(request.messageBody());
        return SendMessageResponse.builder().messageId("message-" + messages.size()).build();
    }

    @Override
    public String serviceName() {
        return "sqs";
    }

    @Override
    public void close() {
    }
}
