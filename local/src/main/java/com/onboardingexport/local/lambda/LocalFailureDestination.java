package com.onboardingexport.local.lambda;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.onboardingexport.local.template.LocalApiTemplate;
import com.onboardingexport.shared.Json;
import java.io.IOException;
import java.net.URI;
import java.time.Instant;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Lambda's on-failure destination of an asynchronous invocation (EventInvokeConfig), played
 * locally: the invocation record Lambda writes, and its delivery to an SQS queue the template names,
 * through the real SQS client and AWS_ENDPOINT_URL (moto). A Lambda destination gets the same record
 * from {@link LocalFunctions}, as an asynchronous invocation.
 */
final class LocalFailureDestination implements AutoCloseable {
    private final SqsClient sqs;

    LocalFailureDestination(Map<String, String> environment) {
        this.sqs = SqsClient.builder()
                .endpointOverride(URI.create(environment.getOrDefault("AWS_ENDPOINT_URL", "http://127.0.0.1:1")))
                .region(Region.of(LocalApiTemplate.REGION))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(
                        environment.getOrDefault("AWS_ACCESS_KEY_ID", "local"), environment.getOrDefault("AWS_SECRET_ACCESS_KEY", "local"))))
                .httpClient(UrlConnectionHttpClient.create())
                .build();
    }

    /** Lambda's record of an event it dropped unrun: older than MaximumEventAgeInSeconds (throttled all along). */
    static ObjectNode ageExceeded(String functionArn, String requestId, int attempts, String payload) {
        ObjectNode record = record(functionArn, requestId, attempts, payload, null);
        ((ObjectNode) record.get("requestContext")).put("condition", "EventAgeExceeded");
        return record;
    }

    /** Lambda's record of an invocation that failed its last attempt. */
    static ObjectNode record(String functionArn, String requestId, int attempts, String payload, String errorDocument) {
        ObjectNode record = Json.MAPPER.createObjectNode();
        record.put("version", "1.0");
        record.put("timestamp", Instant.now().toString());
        record.putObject("requestContext")
                .put("requestId", requestId)
                .put("functionArn", functionArn)
                .put("condition", "RetriesExhausted")
                .put("approximateInvokeCount", attempts);
        record.set("requestPayload", json(payload));
        if (errorDocument == null) {
            return record;
        }
        record.putObject("responseContext")
                .put("statusCode", 200)
                .put("executedVersion", "$LATEST")
                .put("functionError", "Unhandled");
        record.set("responsePayload", json(errorDocument));
        return record;
    }

    /** Sends a record to the queue. */
    void send(String queueArn, ObjectNode record) {
        String[] arn = queueArn.split(":");
        String queueUrl = sqs.getQueueUrl(b -> b.queueName(arn[5]).queueOwnerAWSAccountId(arn[4])).queueUrl();
        sqs.sendMessage(b -> b.queueUrl(queueUrl).messageBody(record.toString()));
    }

    private static JsonNode json(String text) {
        try {
            return Json.MAPPER.readTree(text);
        } catch (IOException e) {
            return Json.MAPPER.getNodeFactory().textNode(text);
        }
    }

    @Override
    public void close() {
        sqs.close();
    }
}
