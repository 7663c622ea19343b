package com.onboardingexport.it.template;

import com.onboardingexport.authorizer.AuthorizerHandler;
import com.onboardingexport.export.config.ExportConfig;
import com.onboardingexport.export.failure.DeadLetterQueue;
import com.onboardingexport.local.template.SamTemplate;
import com.onboardingexport.shared.Env;
import java.util.AbstractMap;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * The variables a function's configuration code reads, not a list kept by hand: the handler's
 * configuration is built on an environment that records every name asked for (a required one that
 * is missing gets a placeholder and the build is run again).
 */
public final class ConfigurationReads {
    private static final Pattern NOT_SET = Pattern.compile("Environment variable (\\w+) is not set");

    /** The variables a configuration reads, and which of them it requires. */
    public record Reads(Set<String> names, Set<String> required) {
    }

    private ConfigurationReads() {
    }

    /** What the configuration of a function of the template reads (by its Handler). */
    public static Reads of(SamTemplate template, String functionId) {
        return reads(wiring(template.functionProperties(functionId).path("Handler").asText()));
    }

    /** The configuration each handler's no-argument constructor builds from the environment. */
    static Consumer<Env> wiring(String handler) {
        return switch (handler) {
            case "com.onboardingexport.authorizer.AuthorizerHandler::handleRequest" -> env -> new AuthorizerHandler(env, secretsManager());
            // Both export handlers wire themselves from ExportConfig.from(Env.system()) (ApiWiring / WorkerWiring.fromEnvironment).
            case "com.onboardingexport.export.api.ExportHandler::handleRequest",
                 "com.onboardingexport.export.worker.ExportWorkerHandler::handleRequest" -> ExportConfig::from;
            // The failure function wires itself the same way, plus the queue it forwards Lambda's records to.
            case "com.onboardingexport.export.failure.ExportFailureHandler::handleRequest" -> env -> {
                ExportConfig.from(env);
                DeadLetterQueue.url(env);
            };
            default -> throw new AssertionError("No configuration known for handler " + handler + ": add it to ConfigurationReads");
        };
    }

    private static SecretsManagerClient secretsManager() {
        return SecretsManagerClient.builder().region(Region.US_EAST_1).credentialsProvider(AnonymousCredentialsProvider.create())
                .httpClient(UrlConnectionHttpClient.create()).build();
    }

    public static Reads reads(Consumer<Env> wiring) {
        Map<String, String> given = new HashMap<>();
        Set<String> asked = new TreeSet<>();
        Map<String, String> recording = new AbstractMap<>() {
            @Override
            public String get(Object key) {
                asked.add((String) key);
                return given.get(key);
            }

            @Override
            public Set<Entry<String, String>> entrySet() {
                return given.entrySet();
            }
        };
        for (int attempt = 0; attempt < 100; attempt++) {
            try {
                wiring.accept(new Env(recording));
                return new Reads(asked, new TreeSet<>(given.keySet()));
            } catch (IllegalStateException e) {
                Matcher missing = NOT_SET.matcher(String.valueOf(e.getMessage()));
                if (!missing.find()) {
                    throw e;
                }
                given.put(missing.group(1), "https://placeholder.example");
            }
        }
        throw new AssertionError("the configuration keeps asking for more required variables");
    }
}
