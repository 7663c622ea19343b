package com.onboardingexport.it.local;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.interfaces.DecodedJWT;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.onboardingexport.it.template.ConfigurationReads;
import com.onboardingexport.it.template.SamLocalVariables;
import com.onboardingexport.local.run.LocalRun;
import com.onboardingexport.local.run.SamLocal;
import com.onboardingexport.local.services.LocalS3;
import com.onboardingexport.local.template.CloudFormationYaml;
import com.onboardingexport.local.template.LocalApiTemplate;
import com.onboardingexport.local.template.ProjectRoot;
import com.onboardingexport.local.template.SamTemplate;
import com.onboardingexport.shared.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * {@code ./run-local.sh --services-only}, for {@code sam local}: the parts on every interface, and
 * the env-vars file, parameter overrides, sample events and commands it writes ({@link SamLocal}),
 * checked against the template, against what each function's configuration code reads
 * ({@link ConfigurationReads}) and against the started parts themselves; then each sample runs on its
 * function's real handler with exactly the file's variables, as {@code sam local invoke} runs it but
 * without Docker. {@link SamLocalInvokeIT} runs the real {@code sam local invoke} where SAM and Docker exist.
 */
class SamLocalEnvVarsIT {
    private static final Path ROOT = ProjectRoot.find();
    private static final Path TEMPLATE = ROOT.resolve("template.yaml");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    static Path directory;
    private static LocalRun run;
    private static SamTemplate template;
    private static String hostAddress;
    private static SamLocal.Setup setup;
    private static Map<String, Map<String, String>> file;
    private static String printed;

    @BeforeAll
    static void startServicesOnly() throws Exception {
        template = new SamTemplate(CloudFormationYaml.read(TEMPLATE));
        run = LocalRun.startServices(TEMPLATE, 0, LocalRun.DEV_CORS_ORIGINS, System.out::println);
        hostAddress = SamLocal.hostAddress();
        List<String> out = new ArrayList<>();
        setup = SamLocal.welcome(run, ROOT, directory, hostAddress, out::add);
        printed = String.join("\n", out);
        file = Json.MAPPER.readValue(setup.envVars().toFile(), new TypeReference<>() {
        });
    }

    @AfterAll
    static void stop() {
        if (run != null) {
            run.close();
        }
    }

    @Test
    @DisplayName("the env-vars file names exactly the functions of the template, by logical id")
    void exactlyTheTemplatesFunctions() {
        assertEquals(new TreeSet<>(template.resourcesOfType(SamTemplate.FUNCTION)), new TreeSet<>(file.keySet()));
        assertEquals(setup.variables(), file);
    }

    @Test
    @DisplayName("each function: exactly the variables its code reads that the template declares, and the SDK endpoints of sam local")
    void exactlyWhatEachFunctionReads() {
        for (String function : file.keySet()) {
            Set<String> expected = new TreeSet<>(ConfigurationReads.of(template, function).names());
            expected.retainAll(template.environment(function).keySet());
            expected.addAll(SamLocalVariables.of(template, function));
            // Read by the layer's logging and metrics (JsonLog), not by a configuration: the service name.
            template.environment(function).keySet().stream().filter("POWERTOOLS_SERVICE_NAME"::equals).forEach(expected::add);
            assertEquals(expected, new TreeSet<>(file.get(function).keySet()), function);
        }
    }

    @Test
    @DisplayName("every AWS service a function's policy allows is reached through a local part: S3, Lambda, the others in moto")
    void everyServiceOfThePolicies() {
        for (String function : file.keySet()) {
            for (String service : policyServices(function)) {
                String variable = switch (service) {
                    case "s3" -> "AWS_ENDPOINT_URL_S3";
                    case "lambda" -> "AWS_ENDPOINT_URL_LAMBDA";
                    default -> "AWS_ENDPOINT_URL";
                };
                assertTrue(file.get(function).containsKey(variable), function + " calls " + service + " but gets no " + variable);
            }
        }
    }

    @Test
    @DisplayName("Strapi and moto as host.docker.internal on their ports, reachable beyond loopback; the secrets exist in moto")
    void strapiAndMoto() throws Exception {
        for (var entry : file.entrySet()) {
            Map<String, String> variables = entry.getValue();
            URI strapi = URI.create(variables.get("STRAPI_URL"));
            URI moto = URI.create(variables.get("AWS_ENDPOINT_URL"));
            assertAll(entry.getKey(),
                    () -> assertEquals(SamLocal.DOCKER_HOST, strapi.getHost()),
                    () -> assertEquals(run.strapi().url().getPort(), strapi.getPort()),
                    () -> assertEquals(SamLocal.DOCKER_HOST, moto.getHost()),
                    () -> assertEquals(run.moto().endpoint().getPort(), moto.getPort()));
            // Where a container's host.docker.internal leads: this machine, on an address other than loopback.
            assertEquals(204, HTTP.send(HttpRequest.newBuilder(onThisMachine(strapi).resolve("/_health")).GET().build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode());
            try (SecretsManagerClient secrets = SecretsManagerClient.builder().endpointOverride(onThisMachine(moto))
                    .region(LocalS3.REGION).credentialsProvider(credentials()).httpClient(UrlConnectionHttpClient.create()).build()) {
                assertEquals(run.strapi().apiToken(),
                        secrets.getSecretValue(b -> b.secretId(variables.get("STRAPI_API_TOKEN_SECRET_ARN"))).secretString());
                if (variables.containsKey("JWT_SECRET_ARN")) {
                    assertEquals(run.strapi().jwtSecret(), secrets.getSecretValue(b -> b.secretId(variables.get("JWT_SECRET_ARN"))).secretString());
                }
            }
        }
    }

    @Test
    @DisplayName("S3 at this machine's address: the SDK as the functions build it reaches the bucket by path, and its presigned link downloads")
    void s3ByAddress() throws Exception {
        for (String function : List.of("ExportFunction", "ExportWorkerFunction")) {
            Map<String, String> variables = file.get(function);
            URI endpoint = URI.create(variables.get("AWS_ENDPOINT_URL_S3"));
            String bucket = variables.get("EXPORT_BUCKET");
            assertEquals(hostAddress, endpoint.getHost());
            assertEquals(run.s3().endpoint().getPort(), endpoint.getPort());
            // No path-style setting: the functions' clients have none (SharedParts), only the endpoint.
            try (S3Client s3 = S3Client.builder().endpointOverride(endpoint).region(LocalS3.REGION).credentialsProvider(credentials())
                    .httpClient(UrlConnectionHttpClient.create()).build();
                 S3Presigner presigner = S3Presigner.builder().endpointOverride(endpoint).region(LocalS3.REGION)
                         .credentialsProvider(credentials()).build()) {
                s3.putObject(b -> b.bucket(bucket).key("exports/sam-local-check.txt"), RequestBody.fromString("sam local"));
                URI link = URI.create(presigner.presignGetObject(b -> b.signatureDuration(Duration.ofMinutes(5))
                        .getObjectRequest(g -> g.bucket(bucket).key("exports/sam-local-check.txt"))).url().toString());
                assertEquals(endpoint.getAuthority(), link.getAuthority());
                assertTrue(link.getPath().startsWith("/" + bucket + "/"), link.toString());
                HttpResponse<String> download = HTTP.send(HttpRequest.newBuilder(link).GET().build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, download.statusCode(), download.body());
                assertEquals("sam local", download.body());
            }
        }
    }

    @Test
    @DisplayName("the worker by its logical id on sam local start-lambda's port, the API on start-api's, the local CORS origins, the rest as the template says")
    void theOtherValues() throws Exception {
        LocalApiTemplate local = LocalApiTemplate.read(TEMPLATE, run.parameters(), run.resourceNames());
        for (var entry : file.entrySet()) {
            Map<String, String> expected = new LinkedHashMap<>(local.function(entry.getKey()).environment());
            expected.keySet().retainAll(entry.getValue().keySet());
            expected.put("STRAPI_URL", entry.getValue().get("STRAPI_URL")); // checked above, as the other endpoints
            entry.getValue().keySet().stream().filter(SamLocalVariables::isSdkEndpoint)
                    .forEach(name -> expected.put(name, entry.getValue().get(name)));
            if (expected.containsKey("WORKER_FUNCTION_NAME")) {
                String deployedName = expected.get("WORKER_FUNCTION_NAME").split(":")[0];
                String worker = file.keySet().stream().filter(id -> local.function(id).functionName().equals(deployedName)).findFirst().orElseThrow();
                expected.put("WORKER_FUNCTION_NAME", worker);
                assertEquals("http://" + SamLocal.DOCKER_HOST + ":" + SamLocal.START_LAMBDA_PORT, entry.getValue().get("AWS_ENDPOINT_URL_LAMBDA"));
            }
            if (expected.containsKey("API_URL")) {
                expected.put("API_URL", "http://127.0.0.1:" + SamLocal.START_API_PORT);
            }
            if (expected.containsKey("CORS_ALLOWED_ORIGINS")) {
                expected.put("CORS_ALLOWED_ORIGINS", LocalRun.DEV_CORS_ORIGINS);
            }
            assertEquals(expected, entry.getValue(), entry.getKey());
        }
    }

    @Test
    @DisplayName("the parameter overrides: SamLocal=true and the local values of the parameters without a Default, valid for the template")
    void parameterOverrides() throws Exception {
        Set<String> withoutDefault = new TreeSet<>();
        template.section("Parameters").fields().forEachRemaining(p -> {
            if (!p.getValue().has("Default")) {
                withoutDefault.add(p.getKey());
            }
        });
        Map<String, String> overrides = setup.parameterOverrides();
        assertEquals("true", overrides.get("SamLocal"));
        Set<String> names = new TreeSet<>(overrides.keySet());
        names.remove("SamLocal");
        assertEquals(withoutDefault, names);
        LocalApiTemplate.read(TEMPLATE, overrides, run.resourceNames()); // AllowedPattern, AllowedValues
        assertEquals(file.get("ExportFunction").get("STRAPI_API_TOKEN_SECRET_ARN"), overrides.get("StrapiApiTokenSecretArn"));
        assertEquals(file.get("AuthorizerFunction").get("JWT_SECRET_ARN"), overrides.get("JwtSecretArn"));
    }

    @Test
    @DisplayName("the printed commands: the local credentials, the file, the overrides; start-api, start-lambda on every interface, an invoke per sample")
    void printedCommands() throws Exception {
        String options = "--region " + LocalS3.REGION.id() + " --env-vars " + setup.envVars()
                + (isLinux() ? " --add-host " + SamLocal.LINUX_ADD_HOST : "") + " \\\n    --parameter-overrides '"
                + setup.parameterOverridesText() + "'";
        String credentials = "AWS_ACCESS_KEY_ID=" + LocalS3.ACCESS_KEY + " AWS_SECRET_ACCESS_KEY=" + LocalS3.SECRET_KEY + " sam local ";
        assertAll(
                () -> assertTrue(printed.contains("every interface (0.0.0.0)") && printed.contains("LAN"), printed),
                () -> assertTrue(printed.contains(credentials + "start-api \\\n    " + options), printed),
                () -> assertTrue(printed.contains(credentials + "start-lambda --host 0.0.0.0 \\\n    " + options), printed));
        List<String> samples;
        try (Stream<Path> events = Files.list(ROOT.resolve("events"))) {
            samples = events.map(p -> p.getFileName().toString()).sorted().toList();
        }
        assertEquals(samples, setup.invocations().stream().map(i -> i.event().getFileName().toString()).toList());
        for (SamLocal.Invocation invocation : setup.invocations()) {
            String event = invocation.event().startsWith(ROOT) ? ROOT.relativize(invocation.event()).toString() : invocation.event().toString();
            assertTrue(printed.contains(credentials + "invoke " + invocation.functionId() + " -e " + event + " \\\n    " + options),
                    invocation + "\n" + printed);
        }
    }

    @Test
    @DisplayName("each sample goes to its function; a placeholder token becomes a real one, with the context the real authorizer gives it")
    void samplesWithRealTokens() throws Exception {
        Map<String, String> functions = new LinkedHashMap<>();
        setup.invocations().forEach(i -> functions.put(i.event().getFileName().toString(), i.functionId()));
        assertEquals(Map.of("authorizer-request.json", "AuthorizerFunction",
                "export-request.json", "ExportFunction", "export-request-client.json", "ExportFunction",
                "export-request-xlsx.json", "ExportFunction", "export-status-request.json", "ExportFunction",
                "scheduled-export.json", "ExportScheduledFunction", "scheduled-export-client.json", "ExportScheduledFunction",
                "scheduled-export-incremental.json", "ExportScheduledFunction"), functions);
        Algorithm strapiJwt = Algorithm.HMAC256(run.strapi().jwtSecret());
        for (SamLocal.Invocation invocation : setup.invocations()) {
            JsonNode sample = Json.MAPPER.readTree(ROOT.resolve("events").resolve(invocation.event().getFileName()).toFile());
            JsonNode event = Json.MAPPER.readTree(invocation.event().toFile());
            if (sample.has("scheduled_time")) {
                // A schedule's input: the Scheduler's placeholder filled in with one tick, the rest as it is.
                assertEquals("<aws.scheduler.scheduled-time>", sample.path("scheduled_time").asText());
                java.time.Instant tick = java.time.Instant.parse(event.path("scheduled_time").asText());
                assertTrue(!tick.isAfter(java.time.Instant.now()) && tick.isAfter(java.time.Instant.now().minusSeconds(3600)), event.toString());
                ((com.fasterxml.jackson.databind.node.ObjectNode) event).put("scheduled_time", "<aws.scheduler.scheduled-time>");
                assertEquals(sample, event, "only the time is filled in");
                continue;
            }
            if (!sample.toString().contains("<placeholder>")) {
                assertEquals(sample, event, "a sample without a token is used as it is");
                continue;
            }
            assertTrue(invocation.event().startsWith(directory), invocation.toString());
            assertTrue(!event.toString().contains("<placeholder>"), invocation.toString());
            String authorization = event.has("authorizationToken") ? event.path("authorizationToken").asText()
                    : event.path("headers").path("Authorization").asText();
            DecodedJWT token = JWT.require(strapiJwt).build().verify(authorization.substring("Bearer ".length()));
            if (event.has("requestContext")) {
                JsonNode authorizer = event.path("requestContext").path("authorizer");
                assertAll(invocation.toString(),
                        () -> assertEquals(authorization, event.path("multiValueHeaders").path("Authorization").path(0).asText()),
                        () -> assertEquals(sample.path("requestContext").path("authorizer").path("role"), authorizer.path("role")),
                        () -> assertEquals(token.getClaim("id").asInt().toString(), authorizer.path("userId").asText()),
                        () -> assertEquals(authorizer.path("userId"), authorizer.path("principalId")));
            }
        }
    }

    @Test
    @DisplayName("without Docker, each sample on its function's real handler: a JVM with exactly the file's and SAM's variables,"
            + " host.docker.internal being this machine")
    void eachSampleWithoutDocker() throws Exception {
        for (SamLocal.Invocation invocation : setup.invocations()) {
            JsonNode answer = Json.MAPPER.readTree(SamLocal.invokeWithoutDocker(run, setup, invocation, hostAddress));
            String sample = invocation.event().getFileName().toString();
            switch (invocation.functionId()) {
                case "AuthorizerFunction" -> assertEquals("admin", answer.path("context").path("role").asText(), answer.toString());
                case "ExportScheduledFunction" -> assertEquals("succeeded", answer.path("status").asText(), sample + ": " + answer);
                default -> {
                    int expected = sample.equals("export-status-request.json") ? 404 : 200; // the sample's export id is none of this run's
                    assertEquals(expected, answer.path("statusCode").asInt(), sample + ": " + answer);
                    if (expected == 200) {
                        URI link = URI.create(Json.MAPPER.readTree(answer.path("body").asText()).path("download_url").asText());
                        assertEquals(hostAddress, link.getHost());
                        assertEquals(200, HTTP.send(HttpRequest.newBuilder(link).GET().build(), HttpResponse.BodyHandlers.discarding())
                                .statusCode(), link.toString());
                    }
                }
            }
        }
    }

    private Set<String> policyServices(String function) {
        Set<String> services = new TreeSet<>();
        for (JsonNode policy : template.functionProperties(function).path("Policies")) {
            for (JsonNode statement : policy.path("Statement")) {
                JsonNode actions = statement.path("Action");
                for (JsonNode action : actions.isArray() ? actions : List.of(actions)) {
                    services.add(action.asText().split(":")[0]);
                }
            }
        }
        assertTrue(!services.isEmpty(), function + " has no policy statement");
        return services;
    }

    /** The same port on this machine's own address (not loopback), where host.docker.internal leads a container. */
    private static URI onThisMachine(URI endpoint) {
        return URI.create("http://" + hostAddress + ":" + endpoint.getPort());
    }

    private static StaticCredentialsProvider credentials() {
        Map<String, String> keys = SamLocal.Setup.credentials();
        return StaticCredentialsProvider.create(AwsBasicCredentials.create(keys.get("AWS_ACCESS_KEY_ID"), keys.get("AWS_SECRET_ACCESS_KEY")));
    }

    private static boolean isLinux() {
        return System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux");
    }
}
