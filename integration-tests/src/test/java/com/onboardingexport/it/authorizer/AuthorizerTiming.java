package com.onboardingexport.it.authorizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.amazonaws.services.lambda.runtime.events.APIGatewayCustomAuthorizerEvent;
import com.amazonaws.services.lambda.runtime.events.IamPolicyResponse;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.onboardingexport.authorizer.AuthorizerHandler;
import com.onboardingexport.it.RealParts;
import com.onboardingexport.local.lambda.LocalLambdaContext;
import com.onboardingexport.shared.Env;
import com.onboardingexport.shared.Json;
import com.onboardingexport.shared.JsonLog;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Measures the authorizer, on this machine, against the real Strapi and the Secrets Manager stand-in:
 * <ul>
 *   <li>cold start: a fresh JVM (the template's JAVA_TOOL_OPTIONS, C1 only) from process start to
 *       the first answer, through the no-argument constructor as Lambda uses it (secret read and
 *       Strapi lookup included), several times;</li>
 *   <li>warm latency of a cached user, and of an uncached one (USER_CACHE_SECONDS=0, one Strapi call
 *       on localhost), in one warm JVM.</li>
 * </ul>
 * Not an *IT (failsafe does not run it by default); run it with
 * {@code mvn verify -pl integration-tests -am -Dit.test=AuthorizerTiming}. Figures are printed
 * and written to integration-tests/target/authorizer-timing.json. Lambda differs: its CPU share
 * follows the memory size (1024 MB is about 0.6 vCPU), the runtime is java21, and SnapStart
 * restores a primed snapshot instead of starting a JVM.
 */
class AuthorizerTiming {
    private static final int COLD_RUNS = 5;
    private static final int WARMUP = 3_000;
    private static final int MEASURED = 10_000;
    private static final String METHOD_ARN = "arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/dev/POST/exports/onboarding";
    private static final PrintStream DISCARD = new PrintStream(OutputStream.nullOutputStream());

    @Test
    void measure() throws Exception {
        RealParts parts = RealParts.get();
        String token = parts.login("client-a@onboarding.test");
        ObjectNode report = Json.MAPPER.createObjectNode();
        report.put("java", System.getProperty("java.version"));
        report.put("cpus", Runtime.getRuntime().availableProcessors());

        List<JsonNode> cold = new ArrayList<>();
        for (int i = 0; i < COLD_RUNS; i++) {
            cold.add(coldStart(parts, token));
        }
        report.set("cold", Json.MAPPER.valueToTree(cold));

        report.set("warm_cached", warm(parts, token, 60));
        report.set("warm_uncached", warm(parts, token, 0));

        String text = Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(report);
        System.out.println("authorizer timing:\n" + text);
        Path out = Path.of("target/authorizer-timing.json");
        Files.createDirectories(out.getParent());
        Files.writeString(out, text);
    }

    /** One fresh JVM: wall time from process start to its first answer, and what it measured inside. */
    private static JsonNode coldStart(RealParts parts, String token) throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        ProcessBuilder builder = new ProcessBuilder(java.toString(),
                "-XX:+TieredCompilation", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"),
                ColdStartMain.class.getName());
        builder.redirectErrorStream(true);
        Map<String, String> env = builder.environment();
        env.put("STRAPI_URL", parts.strapi.url().toString());
        env.putAll(parts.secretEnvironment());
        env.put("USER_CACHE_SECONDS", "60");
        env.put("STRAPI_TIMEOUT_MS", "3000");
        env.put("AWS_ENDPOINT_URL", parts.moto.endpoint().toString());
        env.put("AWS_REGION", "us-east-1");
        env.put("AWS_ACCESS_KEY_ID", "timing");
        env.put("AWS_SECRET_ACCESS_KEY", "timing");
        env.remove("AWS_PROFILE");
        env.put("AUTHZ_TIMING_TOKEN", token);
        env.put("AUTHZ_TIMING_METHOD_ARN", METHOD_ARN);

        long started = System.nanoTime();
        Process process = builder.start();
        JsonNode inside = null;
        long answered = 0;
        StringBuilder output = new StringBuilder();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                output.append(line).append('\n');
                if (answered == 0 && line.contains("\"authorizer decision\"")) {
                    answered = System.nanoTime(); // the first decision log line: the first answer is being returned
                }
                if (line.startsWith("TIMING ")) {
                    inside = Json.MAPPER.readTree(line.substring("TIMING ".length()));
                }
            }
        }
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        if (inside == null) {
            throw new AssertionError("the cold-start JVM printed no figures:\n" + output);
        }
        assertEquals("Allow", inside.path("first_effect").asText(), output.toString());
        assertEquals("Allow", inside.path("second_effect").asText());
        ObjectNode run = (ObjectNode) inside;
        run.put("process_start_to_first_answer_ms", Math.round((answered - started) / 10_000.0) / 100.0);
        return run;
    }

    /** Latency of handleRequest in a warm JVM, the same token again and again. */
    private static JsonNode warm(RealParts parts, String token, int cacheSeconds) {
        Map<String, String> env = new java.util.HashMap<>(parts.secretEnvironment());
        env.put("STRAPI_URL", parts.strapi.url().toString());
        env.put("USER_CACHE_SECONDS", Integer.toString(cacheSeconds));
        AuthorizerHandler handler = new AuthorizerHandler(new Env(env), parts.secretsManagerClient());
        APIGatewayCustomAuthorizerEvent event = new APIGatewayCustomAuthorizerEvent();
        event.setType("TOKEN");
        event.setAuthorizationToken("Bearer " + token);
        event.setMethodArn(METHOD_ARN);
        int warmup = cacheSeconds == 0 ? WARMUP / 10 : WARMUP;
        int measured = cacheSeconds == 0 ? MEASURED / 10 : MEASURED;
        long[] nanos = new long[measured];
        // The decision is still logged (JSON built and written), just not to the console.
        JsonLog.redirect(DISCARD);
        try {
            for (int i = 0; i < warmup; i++) {
                handler.handleRequest(event, new LocalLambdaContext());
            }
            for (int i = 0; i < measured; i++) {
                long start = System.nanoTime();
                IamPolicyResponse response = handler.handleRequest(event, new LocalLambdaContext());
                nanos[i] = System.nanoTime() - start;
                if (response.getContext().isEmpty()) {
                    throw new AssertionError("not an Allow");
                }
            }
        } finally {
            JsonLog.redirect(System.out);
        }
        Arrays.sort(nanos);
        ObjectNode figures = Json.MAPPER.createObjectNode();
        figures.put("requests", measured);
        figures.put("p50_ms", ms(nanos[measured / 2]));
        figures.put("p90_ms", ms(nanos[(int) (measured * 0.90)]));
        figures.put("p99_ms", ms(nanos[(int) (measured * 0.99)]));
        figures.put("max_ms", ms(nanos[measured - 1]));
        return figures;
    }

    private static double ms(long nanos) {
        return Math.round(nanos / 1_000.0) / 1_000.0;
    }
}
