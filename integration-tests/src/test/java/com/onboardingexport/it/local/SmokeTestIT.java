package com.onboardingexport.it.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import com.onboardingexport.local.run.LocalRun;
import com.onboardingexport.local.services.LocalS3;
import com.onboardingexport.local.template.LocalApiTemplate;
import com.onboardingexport.local.template.ProjectRoot;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * scripts/smoke-test.sh, the deployer's check after {@code sam deploy}, run against the local run as
 * against a deployed stack: the stage URL, real Strapi JWTs, and the AWS CLI pointed at the local
 * Lambda API and moto through the standard endpoint variables.
 */
class SmokeTestIT {
    private static final Path ROOT = ProjectRoot.find();
    /** The script's checks, in the order it prints them. */
    private static final List<String> CHECKS = List.of("sync csv export", "async export", "status of another client",
            "cors listed origin", "cors other origin", "per-user limit", "schedule event", "live alias");
    /** An origin the local run allows (its development list has http://localhost:*). */
    private static final String LISTED_ORIGIN = "http://localhost:5173";
    /** The template's default MaxRunningExportsPerUser, which the local run keeps. */
    private static final String MAX_RUNNING_EXPORTS = "2";
    private static final Pattern CHECK_LINE = Pattern.compile("(?m)^(PASS|FAIL|SKIP) ([^:]+): ");

    private static LocalRun run;
    private static String clientAJwt;
    private static String clientBJwt;

    private record Outcome(int exitCode, String output) {
        /** Each check's verdict, in the order printed. */
        Map<String, String> verdicts() {
            Map<String, String> verdicts = new LinkedHashMap<>();
            Matcher line = CHECK_LINE.matcher(output);
            while (line.find()) {
                verdicts.put(line.group(2), line.group(1));
            }
            return verdicts;
        }
    }

    @BeforeAll
    static void startLocalRun() throws Exception {
        run = LocalRun.start(ROOT.resolve("template.yaml"), 0, 0, System.out::println);
        clientAJwt = run.login(LocalRun.CLIENT_A);
        clientBJwt = run.login("client-b@onboarding.test");
    }

    @AfterAll
    static void stop() {
        if (run != null) {
            run.close();
        }
    }

    @Test
    @DisplayName("Against the local run every check passes: exit code 0, one PASS line per check, the summary")
    void passes() throws Exception {
        Outcome outcome = smokeTest(clientBJwt, LISTED_ORIGIN);
        assertEquals(0, outcome.exitCode(), outcome.output());
        Map<String, String> expected = new LinkedHashMap<>();
        CHECKS.forEach(check -> expected.put(check, "PASS"));
        assertEquals(expected, outcome.verdicts(), outcome.output());
        assertTrue(outcome.output().contains("\nSUMMARY: 8 checks, 8 PASS, 0 FAIL, 0 SKIP\n"), outcome.output());
    }

    @Test
    @DisplayName("A forged token as the other client's and an origin the stack does not allow as the listed one: those two checks FAIL, exit code 1")
    void fails() throws Exception {
        String forged = JWT.create().withClaim("id", 3).withIssuedAt(Instant.now())
                .withExpiresAt(Instant.now().plusSeconds(600)).sign(Algorithm.HMAC256("not-the-secret-of-this-strapi"));
        Outcome outcome = smokeTest(forged, "https://not-allowed.example");
        assertEquals(1, outcome.exitCode(), outcome.output());
        Map<String, String> verdicts = outcome.verdicts();
        assertEquals(CHECKS, List.copyOf(verdicts.keySet()), outcome.output());
        assertTrue(outcome.output().contains("\nFAIL status of another client: GET of the async export's status by SMOKE_OTHER_CLIENT_JWT's"
                + " user answered 401 UNAUTHORIZED"), outcome.output());
        // API Gateway's 401 echoes any Origin (by design, see the README); the function's own answers do not.
        assertTrue(outcome.output().contains("\nFAIL cors listed origin: Origin https://not-allowed.example: refused token 401 with"
                + " Access-Control-Allow-Origin 'https://not-allowed.example', refused request 400 with '', preflight 403 with ''\n"),
                outcome.output());
        assertTrue(outcome.output().contains("\nSUMMARY: 8 checks, 6 PASS, 2 FAIL, 0 SKIP\n"), outcome.output());
    }

    private static Outcome smokeTest(String otherClientJwt, String allowedOrigin) throws Exception {
        ProcessBuilder script = new ProcessBuilder("bash", ROOT.resolve("scripts/smoke-test.sh").toString(),
                run.api().url() + "/" + run.api().stage()).redirectErrorStream(true);
        Map<String, String> env = script.environment();
        // Only the local run's AWS: no profile, config or session of the machine.
        env.keySet().removeIf(name -> name.startsWith("AWS_") || name.startsWith("SMOKE_"));
        env.put("AWS_CONFIG_FILE", "/dev/null");
        env.put("AWS_SHARED_CREDENTIALS_FILE", "/dev/null");
        env.put("AWS_ACCESS_KEY_ID", LocalS3.ACCESS_KEY);
        env.put("AWS_SECRET_ACCESS_KEY", LocalS3.SECRET_KEY);
        env.put("AWS_DEFAULT_REGION", LocalApiTemplate.REGION);
        env.put("AWS_ENDPOINT_URL", run.moto().endpoint().toString());
        env.put("AWS_ENDPOINT_URL_LAMBDA", run.api().lambdaEndpoint().toString());
        env.put("SMOKE_STACK_NAME", LocalApiTemplate.STACK_NAME);
        env.put("SMOKE_CLIENT_JWT", clientAJwt);
        env.put("SMOKE_OTHER_CLIENT_JWT", otherClientJwt);
        env.put("SMOKE_ALLOWED_ORIGIN", allowedOrigin);
        env.put("SMOKE_MAX_RUNNING_EXPORTS", MAX_RUNNING_EXPORTS);
        env.put("SMOKE_EVENT_BUS", run.eventBusName());
        Path log = Files.createTempFile("smoke-test-", ".log");
        try {
            Process process = script.redirectOutput(log.toFile()).start();
            boolean ended = process.waitFor(3, TimeUnit.MINUTES);
            if (!ended) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
            }
            String output = Files.readString(log, StandardCharsets.UTF_8);
            System.out.println(output);
            assertTrue(ended, "the smoke test did not end in 3 minutes:\n" + output);
            return new Outcome(process.exitValue(), output);
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
