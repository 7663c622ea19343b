package com.onboardingexport.local.lambda;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.onboardingexport.local.template.LocalApiTemplate;
import com.onboardingexport.shared.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.auth.signer.AwsSignerExecutionAttribute;
import software.amazon.awssdk.awscore.AwsExecutionAttribute;
import software.amazon.awssdk.core.SdkPojo;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.regions.Region;

/**
 * Records every AWS call a function makes in the local run, as IAM sees it (action and resource
 * ARN), so the tests can hold the calls against the function's role in the template. Loaded by the
 * AWS SDK as a global interceptor in every JVM that has the local module on its classpath, and inert
 * unless {@value #LOG_VARIABLE} is set: the local API sets it for the functions it runs when the
 * tests ask it to (see {@link AwsCallLog}). Presigned requests count too: the link works only if
 * the role that signed it may make the call.
 */
public final class AwsCallRecorder implements ExecutionInterceptor {
    /** The file prefix (a path) the calls of this JVM go to, one JSON line each. */
    public static final String LOG_VARIABLE = "LOCAL_AWS_CALL_LOG";

    private final Optional<Path> file;

    public AwsCallRecorder() {
        String prefix = System.getenv(LOG_VARIABLE);
        file = prefix == null || prefix.isBlank() ? Optional.empty()
                : Optional.of(Path.of(prefix + "-" + ProcessHandle.current().pid() + ".jsonl"));
    }

    /** What IAM is asked for one call: the action and the resource ARN. */
    public record Call(String action, String resource, String operation, boolean presigned) {
        public ObjectNode json() {
            return Json.MAPPER.createObjectNode().put("action", action).put("resource", resource)
                    .put("operation", operation).put("presigned", presigned);
        }
    }

    @Override
    public void beforeMarshalling(Context.BeforeMarshalling context, ExecutionAttributes attributes) {
        if (file.isEmpty()) {
            return;
        }
        Region region = attributes.getAttribute(AwsExecutionAttribute.AWS_REGION);
        boolean presigned = attributes.getAttribute(AwsSignerExecutionAttribute.PRESIGNER_EXPIRATION) != null;
        StringBuilder lines = new StringBuilder();
        for (Call call : calls(context.request(), region == null ? LocalApiTemplate.REGION : region.id(), presigned)) {
            lines.append(call.json()).append('\n');
        }
        append(file.get(), lines.toString());
    }

    static synchronized void append(Path file, String lines) {
        try {
            Files.writeString(file, lines, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot record an AWS call in " + file, e);
        }
    }

    /** The calls IAM sees in one SDK request (PutEvents: one per event bus named). */
    static List<Call> calls(SdkRequest request, String region, boolean presigned) {
        String type = request.getClass().getSimpleName();
        String operation = type.endsWith("Request") ? type.substring(0, type.length() - "Request".length()) : type;
        String service = request.getClass().getPackageName().replaceFirst("^software\\.amazon\\.awssdk\\.services\\.", "")
                .replaceFirst("\\.model$", "");
        String account = LocalApiTemplate.ACCOUNT;
        List<Call> calls = new ArrayList<>();
        switch (service) {
            case "s3" -> {
                String bucket = field(request, "Bucket");
                String key = field(request, "Key");
                String action = switch (operation) {
                    case "HeadObject" -> "s3:GetObject";
                    case "CreateMultipartUpload", "UploadPart", "CompleteMultipartUpload" -> "s3:PutObject";
                    case "ListObjectsV2", "ListObjects" -> "s3:ListBucket";
                    default -> "s3:" + operation;
                };
                calls.add(new Call(action, "arn:aws:s3:::" + bucket + (key == null ? "" : "/" + key), operation, presigned));
            }
            case "secretsmanager" -> calls.add(new Call("secretsmanager:" + operation, field(request, "SecretId"), operation, presigned));
            case "eventbridge" -> {
                List<?> entries = request.getValueForField("Entries", List.class).orElse(List.of());
                entries.stream().map(entry -> field(entry, "EventBusName")).distinct().forEach(bus ->
                        calls.add(new Call("events:" + operation, bus != null && bus.startsWith("arn:") ? bus
                                : "arn:aws:events:" + region + ":" + account + ":event-bus/" + (bus == null ? "default" : bus), operation, presigned)));
            }
            case "lambda" -> {
                String name = field(request, "FunctionName");
                calls.add(new Call("Invoke".equals(operation) ? "lambda:InvokeFunction" : "lambda:" + operation,
                        name.startsWith("arn:") ? name : "arn:aws:lambda:" + region + ":" + account + ":function:" + name, operation, presigned));
            }
            case "sqs" -> {
                // A queue URL ends in /<account>/<name>; IAM sees the queue's ARN.
                String[] path = String.valueOf(field(request, "QueueUrl")).split("/");
                String queue = path.length >= 2 ? "arn:aws:sqs:" + region + ":" + path[path.length - 2] + ":" + path[path.length - 1] : "*";
                calls.add(new Call("sqs:" + operation, queue, operation, presigned));
            }
            default -> calls.add(new Call(service + ":" + operation, "*", operation, presigned));
        }
        return calls;
    }

    /** A member of an SDK model object by its AWS name (Bucket, Key, SecretId, EventBusName). */
    private static String field(Object model, String name) {
        return model instanceof SdkPojo pojo
                ? pojo.sdkFields().stream().filter(f -> f.memberName().equals(name)).findFirst()
                        .map(f -> f.getValueOrDefault(pojo)).map(Object::toString).orElse(null)
                : null;
    }
}
