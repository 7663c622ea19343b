package com.onboardingexport.it.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.onboardingexport.local.run.LocalRun;
import com.onboardingexport.local.run.SamLocal;
import com.onboardingexport.local.services.LocalMoto;
import com.onboardingexport.local.template.ProjectRoot;
import com.onboardingexport.shared.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real SAM CLI in Docker on the parts of {@code ./run-local.sh --services-only}: {@code sam build},
 * then {@code sam local invoke} of each sample event with its function, with the env-vars file, the
 * parameter overrides, the options and the credentials that the run prints. Where {@code sam} is not on
 * the PATH or no Docker engine answers ({@code docker info}), every test is skipped, never failed (a
 * condition rather than an assumption in {@code @BeforeAll}, which Maven would report as no test at
 * all), and {@link SamLocalEnvVarsIT} checks what can be checked without them.
 */
@ExtendWith(SamLocalInvokeIT.SamAndDocker.class)
class SamLocalInvokeIT {
    private static final Path ROOT = ProjectRoot.find();
    private static final Duration INVOKE_TIMEOUT = Duration.ofMinutes(10);

    @TempDir
    static Path directory;
    private static LocalRun run;
    private static SamLocal.Setup setup;

    /** What a {@code sam} command printed: its exit code, the function's answer (stdout) and SAM's log (stderr). */
    private record Sam(int exit, String stdout, String stderr) {
        JsonNode answer() throws IOException {
            List<String> lines = stdout.lines().filter(line -> !line.isBlank()).toList();
            assertFalse(lines.isEmpty(), "no answer on stdout; stderr:\n" + stderr);
            return Json.MAPPER.readTree(lines.get(lines.size() - 1));
        }
    }

    @BeforeAll
    static void buildAndStart() throws Exception {
        Sam build = sam(List.of("build"), Duration.ofMinutes(20));
        assertEquals(0, build.exit(), "sam build failed:\n" + build.stdout() + build.stderr());
        run = LocalRun.startServices(ROOT.resolve("template.yaml"), 0, LocalRun.DEV_CORS_ORIGINS, System.out::println);
        setup = SamLocal.write(run, directory, SamLocal.hostAddress());
    }

    @AfterAll
    static void stop() {
        if (run != null) {
            run.close();
        }
    }

    @Test
    @DisplayName("sam local invoke: every sample event runs on its function without a function error")
    void everySample() throws Exception {
        for (SamLocal.Invocation invocation : setup.invocations()) {
            Sam result = invoke(invocation);
            assertEquals(0, result.exit(), invocation + "\n" + result.stderr());
            JsonNode answer = result.answer();
            assertFalse(answer.has("errorType") || answer.has("errorMessage"), invocation + ": " + answer + "\n" + result.stderr());
            if (answer.has("statusCode")) {
                assertTrue(answer.path("statusCode").asInt() < 500, invocation + ": " + answer);
            }
        }
    }

    @Test
    @DisplayName("sam local invoke: the authorizer allows the real token, with the admin's context")
    void authorizerAllows() throws Exception {
        JsonNode policy = invoke(sample("authorizer-request.json")).answer();
        assertEquals("Allow", policy.path("policyDocument").path("Statement").path(0).path("Effect").asText(), policy.toString());
        assertEquals("admin", policy.path("context").path("role").asText(), policy.toString());
    }

    @Test
    @DisplayName("sam local invoke: the admin's CSV export answers 200, and its presigned link downloads on this machine")
    void adminExportDownloads() throws Exception {
        JsonNode answer = invoke(sample("export-request.json")).answer();
        assertEquals(200, answer.path("statusCode").asInt(), answer.toString());
        JsonNode body = Json.MAPPER.readTree(answer.path("body").asText());
        HttpResponse<byte[]> download = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(body.path("download_url").asText())).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, download.statusCode());
        assertEquals(body.path("size_bytes").asLong(), download.body().length);
    }

    private static SamLocal.Invocation sample(String name) {
        return setup.invocations().stream().filter(i -> i.event().getFileName().toString().equals(name)).findFirst().orElseThrow();
    }

    private static Sam invoke(SamLocal.Invocation invocation) throws IOException, InterruptedException {
        List<String> arguments = new ArrayList<>(List.of("local", "invoke", invocation.functionId(), "-e", invocation.event().toString()));
        arguments.addAll(setup.options(System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")));
        return sam(arguments, INVOKE_TIMEOUT);
    }

    /** Runs {@code sam} in the project's root with the local run's credentials (as the printed commands set them). */
    private static Sam sam(List<String> arguments, Duration timeout) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("sam"));
        command.addAll(arguments);
        Path stdout = Files.createTempFile(directory, "sam-", ".out");
        Path stderr = Files.createTempFile(directory, "sam-", ".err");
        ProcessBuilder builder = new ProcessBuilder(command).directory(ROOT.toFile())
                .redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
        Map<String, String> environment = builder.environment();
        environment.remove("AWS_PROFILE");
        environment.remove("AWS_SESSION_TOKEN");
        environment.putAll(SamLocal.Setup.credentials());
        Process process = builder.start();
        if (!process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(command + " did not finish in " + timeout + ":\n" + Files.readString(stderr));
        }
        return new Sam(process.exitValue(), Files.readString(stdout), Files.readString(stderr));
    }

    /** Runs the class where the SAM CLI is on the PATH and a Docker engine answers; skips it, saying which is missing, elsewhere. */
    static final class SamAndDocker implements ExecutionCondition {
        private static ConditionEvaluationResult result;

        @Override
        public synchronized ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            if (result == null) { // once: the class and each of its tests ask
                result = LocalMoto.findOnPath("sam").isEmpty() ? ConditionEvaluationResult.disabled("the SAM CLI (sam) is not on the PATH")
                        : !dockerAnswers() ? ConditionEvaluationResult.disabled("no Docker engine answers (docker info)")
                        : ConditionEvaluationResult.enabled("sam and a Docker engine are here");
            }
            return result;
        }
    }

    private static boolean dockerAnswers() {
        try {
            Process docker = new ProcessBuilder("docker", "info").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!docker.waitFor(30, TimeUnit.SECONDS)) {
                docker.destroyForcibly();
                return false;
            }
            return docker.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
