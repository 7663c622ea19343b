package com.onboardingexport.it.template;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.onboardingexport.local.services.LocalMoto;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The AWS SAM translator (aws-sam-translator, the library inside the SAM CLI) run on a template as
 * {@code sam package} leaves it, giving the CloudFormation template {@code sam deploy} would create.
 */
public final class SamTranslator {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SamTranslator() {
    }

    /**
     * The template as {@code sam package} leaves it: each {@code CodeUri} and {@code ContentUri} an S3
     * URI whose key stands for the built folder's content ({@code artifacts} maps a folder to its key;
     * a folder not named keeps the key "v1").
     */
    public static JsonNode packaged(JsonNode template, Map<String, String> artifacts) {
        ObjectNode copy = template.deepCopy();
        copy.path("Resources").forEach(resource -> {
            JsonNode properties = resource.path("Properties");
            for (String uri : new String[] {"CodeUri", "ContentUri"}) {
                if (properties.path(uri).isTextual()) {
                    String folder = properties.get(uri).asText();
                    ((ObjectNode) properties).put(uri, "s3://sam-artifacts/" + folder + "/" + artifacts.getOrDefault(folder, "v1"));
                }
            }
        });
        return copy;
    }

    /** The transformed template; fails with the translator's message on an invalid one. */
    public static JsonNode transform(JsonNode packagedTemplate) {
        String python = LocalMoto.findOnPath("python3").orElseThrow(() -> new AssertionError("python3 is not on the PATH"));
        Path script = TemplateIT.projectRoot().resolve("integration-tests/src/test/python/sam_transform.py");
        try {
            Path input = Files.createTempFile("sam-template-", ".json");
            try {
                Files.writeString(input, JSON.writeValueAsString(packagedTemplate));
                Process process = new ProcessBuilder(python, script.toString(), input.toString()).start();
                byte[] out = process.getInputStream().readAllBytes();
                String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
                if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
                    throw new AssertionError("the SAM translator failed (pip install aws-sam-translator where it is missing):\n" + err);
                }
                return JSON.readTree(out);
            } finally {
                Files.deleteIfExists(input);
            }
        } catch (IOException e) {
            throw new AssertionError("cannot run the SAM translator", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
