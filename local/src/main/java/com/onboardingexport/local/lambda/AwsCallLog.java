package com.onboardingexport.local.lambda;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.onboardingexport.shared.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Where one local API keeps the AWS calls of the functions it runs, when the tests ask for it with
 * the system property {@value #DIRECTORY_PROPERTY}: a folder with the template it served, its
 * parameters and local resource names ({@code context.json}), and one file of calls per function JVM
 * ({@link AwsCallRecorder}). The tests hold those calls against each function's role.
 */
public final class AwsCallLog {
    static final String DIRECTORY_PROPERTY = "onboardingexport.awsCalls";

    private final Path dir;

    private AwsCallLog(Path dir) {
        this.dir = dir;
    }

    public static Optional<AwsCallLog> start(Path template, Map<String, String> parameters, Map<String, String> resourceNames)
            throws IOException {
        String root = System.getProperty(DIRECTORY_PROPERTY);
        if (root == null || root.isBlank()) {
            return Optional.empty();
        }
        Path dir = Files.createDirectories(Path.of(root).resolve(UUID.randomUUID().toString()));
        Files.copy(template, dir.resolve("template.yaml"));
        ObjectNode context = Json.MAPPER.createObjectNode();
        context.set("parameters", Json.MAPPER.valueToTree(parameters));
        context.set("resource_names", Json.MAPPER.valueToTree(resourceNames));
        Files.writeString(dir.resolve("context.json"), context.toString());
        return Optional.of(new AwsCallLog(dir));
    }

    /** The value of {@link AwsCallRecorder#LOG_VARIABLE} for a function's JVMs. */
    String prefix(String logicalId) {
        return dir.resolve(logicalId).toString();
    }

    /** A call Lambda makes with the function's role on its behalf (the on-failure destination). */
    void record(String logicalId, AwsCallRecorder.Call call) {
        AwsCallRecorder.append(dir.resolve(logicalId + "-lambda-service.jsonl"), call.json() + "\n");
    }
}
