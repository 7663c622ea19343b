package com.onboardingexport.local.run;

import com.amazonaws.services.lambda.runtime.events.APIGatewayCustomAuthorizerEvent;
import com.amazonaws.services.lambda.runtime.events.IamPolicyResponse;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.onboardingexport.authorizer.AuthorizerHandler;
import com.onboardingexport.local.lambda.LocalApiFunction;
import com.onboardingexport.local.lambda.LocalLambdaContext;
import com.onboardingexport.local.services.LocalS3;
import com.onboardingexport.local.services.LocalStrapi;
import com.onboardingexport.local.template.CloudFormationYaml;
import com.onboardingexport.local.template.LocalApiTemplate;
import com.onboardingexport.shared.Env;
import com.onboardingexport.shared.Json;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.stream.Stream;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * {@code sam local} (Docker and the SAM CLI) on the parts of a services-only local run
 * ({@code ./run-local.sh --services-only}): the env-vars file, the parameter overrides, the sample
 * events of events/ with real tokens, and the commands to paste.
 *
 * <p>{@code sam local --env-vars} sets only the variables that a function's {@code Environment} in the
 * template declares; the template declares the AWS SDK's endpoint variables when {@code SamLocal=true}.
 * A container reaches Strapi, moto_server and {@code sam local start-lambda} as {@value #DOCKER_HOST}, and
 * S3 at this machine's address: the AWS SDK addresses a bucket by path on an IP address, but as a
 * subdomain of a host name ({@code bucket.host.docker.internal}, which nothing resolves). The presigned
 * links name that address, so they open on this machine and on the LAN.
 */
public final class SamLocal {
    /** The host as a container sees it: Docker Desktop resolves it; on Linux, {@code --add-host} maps it. */
    public static final String DOCKER_HOST = "host.docker.internal";
    public static final String LINUX_ADD_HOST = DOCKER_HOST + ":host-gateway";
    /** The ports of {@code sam local start-api} and {@code start-lambda} by default. */
    public static final int START_API_PORT = 3000;
    public static final int START_LAMBDA_PORT = 3001;
    /** Where {@code ./run-local.sh --services-only} writes, under the project root. */
    public static final String DIRECTORY = "local/target/sam-local";
    /** Read by the JVM, not by the function's configuration: the template's value stands. */
    private static final Set<String> READ_BY_THE_JVM = Set.of("JAVA_TOOL_OPTIONS");
    private static final String PLACEHOLDER_TOKEN = "Bearer <placeholder>";
    private static final String SCHEDULED_TIME = "<aws.scheduler.scheduled-time>";

    /** {@code sam local invoke <functionId> -e <event>}: a sample event and the function it is for. */
    public record Invocation(String functionId, Path event) {
    }

    /**
     * What was written: the env-vars file and its content (function logical id to its variables), the
     * parameter overrides, and one invocation per sample event.
     */
    public record Setup(Path envVars, Map<String, Map<String, String>> variables, Map<String, String> parameterOverrides,
                        List<Invocation> invocations) {
        /** The fake credentials of the local parts, which SAM passes into the containers. */
        public static Map<String, String> credentials() {
            return Map.of("AWS_ACCESS_KEY_ID", LocalS3.ACCESS_KEY, "AWS_SECRET_ACCESS_KEY", LocalS3.SECRET_KEY);
        }

        /** The options every {@code sam local} command takes here, as separate arguments. */
        public List<String> options(boolean linux) {
            List<String> options = new ArrayList<>(List.of("--region", LocalS3.REGION.id(), "--env-vars", envVars.toString()));
            if (linux) {
                options.addAll(List.of("--add-host", LINUX_ADD_HOST));
            }
            options.addAll(List.of("--parameter-overrides", parameterOverridesText()));
            return options;
        }

        public String parameterOverridesText() {
            List<String> pairs = new ArrayList<>();
            parameterOverrides.forEach((name, value) -> pairs.add(name + "=" + value));
            return String.join(" ", pairs);
        }
    }

    private SamLocal() {
    }

    /**
     * Writes the env-vars file and the sample events with real tokens into {@code directory}, for the
     * parts of {@code run} (started with {@link LocalRun#startServices}), S3 named by {@code hostAddress}.
     */
    public static Setup write(LocalRun run, Path directory, String hostAddress) throws IOException {
        // The parameter overrides: SamLocal, and the local values of the parameters without a Default.
        Map<String, String> overrides = new LinkedHashMap<>();
        overrides.put("SamLocal", "true");
        CloudFormationYaml.read(run.template()).path("Parameters").fields().forEachRemaining(parameter -> {
            if (!parameter.getValue().has("Default")) {
                overrides.put(parameter.getKey(), Objects.requireNonNull(run.parameters().get(parameter.getKey()),
                        () -> "No local value for the template parameter " + parameter.getKey()));
            }
        });
        Map<String, String> parameters = new LinkedHashMap<>(run.parameters());
        parameters.putAll(overrides);
        LocalApiTemplate template = LocalApiTemplate.read(run.template(), parameters, run.resourceNames());
        List<String> functionIds = template.resourcesOfType(LocalApiTemplate.FUNCTION);

        // What the local parts give, as a container reaches them.
        Map<String, String> local = Map.of(
                "STRAPI_URL", "http://" + DOCKER_HOST + ":" + run.strapi().url().getPort(),
                "AWS_ENDPOINT_URL", "http://" + DOCKER_HOST + ":" + run.moto().endpoint().getPort(),
                "AWS_ENDPOINT_URL_S3", "http://" + hostAddress + ":" + run.s3().endpoint().getPort(),
                "AWS_ENDPOINT_URL_LAMBDA", "http://" + DOCKER_HOST + ":" + START_LAMBDA_PORT,
                // Where a person reaches the API (a scheduled export's status URL).
                "API_URL", "http://127.0.0.1:" + START_API_PORT,
                "CORS_ALLOWED_ORIGINS", run.localEnvironment().get("CORS_ALLOWED_ORIGINS"));
        // sam local knows a function by its logical id (an alias or a deployed name means nothing to it).
        Map<String, String> logicalIds = new LinkedHashMap<>();
        functionIds.forEach(id -> logicalIds.put(template.function(id).functionName(), id));

        Map<String, Map<String, String>> variables = new LinkedHashMap<>();
        for (String id : functionIds) {
            Map<String, String> own = new LinkedHashMap<>();
            template.function(id).environment().forEach((name, templateValue) -> {
                if (!READ_BY_THE_JVM.contains(name)) {
                    String value = local.getOrDefault(name, templateValue);
                    own.put(name, logicalIds.getOrDefault(value.split(":", 2)[0], value));
                }
            });
            variables.put(id, own);
        }
        Files.createDirectories(directory);
        Path envVars = directory.resolve("env-vars.json");
        Json.MAPPER.writerWithDefaultPrettyPrinter().writeValue(envVars.toFile(), variables);
        List<Invocation> invocations = writeEvents(run, template, directory.resolve("events"));
        return new Setup(envVars, variables, overrides, invocations);
    }

    /**
     * Each sample of events/ with the function it is for (the authorizer's TOKEN event, an API route's
     * request, a schedule's input); a sample with a placeholder token is written again with a real
     * one, and with the authorizer context the real authorizer gives that token; a schedule's input
     * is written again with its Scheduler placeholder filled in: one tick, at this run's start.
     */
    private static List<Invocation> writeEvents(LocalRun run, LocalApiTemplate template, Path directory) throws IOException {
        List<Path> samples;
        try (Stream<Path> files = Files.list(run.template().resolveSibling("events"))) {
            samples = files.filter(file -> file.toString().endsWith(".json")).sorted().toList();
        }
        Files.createDirectories(directory);
        Map<String, String> tokens = new LinkedHashMap<>(); // one login per user: Strapi limits logins
        String tick = java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MINUTES).toString();
        List<Invocation> invocations = new ArrayList<>();
        for (Path sample : samples) {
            ObjectNode event = (ObjectNode) Json.MAPPER.readTree(sample.toFile());
            String functionId = functionOf(event, template, sample);
            Path file = sample;
            if (event.toString().contains(PLACEHOLDER_TOKEN)) {
                String adminRole = template.function(functionId).environment().getOrDefault("ADMIN_ROLE_TYPE", "admin");
                String role = event.path("requestContext").path("authorizer").path("role").asText(adminRole);
                String jwt = tokens.computeIfAbsent(role.equals(adminRole) ? LocalRun.ADMIN : LocalRun.CLIENT_A, run::login);
                withToken(run, template, event, "Bearer " + jwt);
                file = directory.resolve(sample.getFileName());
                Json.MAPPER.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), event);
            } else if (SCHEDULED_TIME.equals(event.path("scheduled_time").asText())) {
                // A schedule's input: one tick, as the Scheduler fills it in (invoking the file again repeats that tick).
                event.put("scheduled_time", tick);
                file = directory.resolve(sample.getFileName());
                Json.MAPPER.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), event);
            }
            invocations.add(new Invocation(functionId, file));
        }
        return invocations;
    }

    private static String functionOf(JsonNode event, LocalApiTemplate template, Path sample) {
        List<String> candidates;
        if ("TOKEN".equals(event.path("type").asText())) {
            candidates = template.routes().stream().flatMap(route -> route.authorizer().stream())
                    .map(name -> template.authorizer(name).functionId()).distinct().toList();
        } else if (event.has("httpMethod")) {
            candidates = template.routes().stream().filter(route -> route.method().equals(event.path("httpMethod").asText())
                    && route.path().equals(event.path("resource").asText())).map(LocalApiTemplate.Route::functionId).toList();
        } else {
            candidates = template.schedules().stream().map(LocalApiTemplate.Schedule::functionId).distinct().toList();
        }
        if (candidates.size() != 1) {
            throw new IllegalStateException(sample + " is for no single function of the template: " + candidates);
        }
        return candidates.get(0);
    }

    /** The event as it reaches its function after API Gateway and the authorizer, for a caller with this Authorization header. */
    private static void withToken(LocalRun run, LocalApiTemplate template, ObjectNode event, String authorization) {
        if (event.has("authorizationToken")) {
            event.put("authorizationToken", authorization);
            return;
        }
        ((ObjectNode) event.path("headers")).put("Authorization", authorization);
        ((ObjectNode) event.path("multiValueHeaders")).putArray("Authorization").add(authorization);
        JsonNode context = event.path("requestContext");
        IamPolicyResponse policy = authorize(run, template, authorization, "arn:aws:execute-api:" + LocalApiTemplate.REGION + ":"
                + LocalApiTemplate.ACCOUNT + ":" + context.path("apiId").asText() + "/" + context.path("stage").asText() + "/"
                + event.path("httpMethod").asText() + event.path("path").asText());
        ObjectNode authorizer = (ObjectNode) context.path("authorizer");
        authorizer.put("principalId", policy.getPrincipalId());
        policy.getContext().forEach((name, value) -> authorizer.put(name, String.valueOf(value)));
    }

    /** The real authorizer's answer (in this JVM, with the template's environment on the local parts). */
    private static IamPolicyResponse authorize(LocalRun run, LocalApiTemplate template, String authorization, String methodArn) {
        String authorizerId = template.routes().stream().flatMap(route -> route.authorizer().stream())
                .map(name -> template.authorizer(name).functionId()).findFirst().orElseThrow();
        Map<String, String> environment = new LinkedHashMap<>(template.function(authorizerId).environment());
        environment.putAll(run.localEnvironment());
        APIGatewayCustomAuthorizerEvent event = new APIGatewayCustomAuthorizerEvent();
        event.setType("TOKEN");
        event.setAuthorizationToken(authorization);
        event.setMethodArn(methodArn);
        try (SecretsManagerClient secrets = run.moto().secretsManager()) {
            IamPolicyResponse policy = new AuthorizerHandler(new Env(environment), secrets).handleRequest(event, new LocalLambdaContext());
            if (policy.getContext() == null || policy.getContext().isEmpty()) { // a Deny carries no context
                throw new IllegalStateException("The authorizer does not allow the dev user's token: " + policy.getPolicyDocument());
            }
            return policy;
        }
    }

    /**
     * Without Docker, what {@code sam local invoke} does with this setup, for where no Docker engine runs:
     * the function's real handler in a JVM of its own (as the local API runs it), whose environment is the
     * env-vars file's variables for the function, the template's JAVA_TOOL_OPTIONS, and what SAM adds (the
     * credentials, the region), with {@value #DOCKER_HOST} resolving to {@code hostAddress}. Returns the
     * function's answer; a function error is an exception.
     */
    public static String invokeWithoutDocker(LocalRun run, Setup setup, Invocation invocation, String hostAddress) throws Exception {
        Path hosts = setup.envVars().resolveSibling("hosts");
        Files.writeString(hosts, hostAddress + " " + DOCKER_HOST + "\n");
        LocalApiTemplate.Function spec = LocalApiTemplate.read(run.template(), run.parameters(), run.resourceNames())
                .function(invocation.functionId());
        Map<String, String> environment = new LinkedHashMap<>(Setup.credentials());
        environment.put("AWS_REGION", LocalS3.REGION.id());
        environment.put("AWS_DEFAULT_REGION", LocalS3.REGION.id());
        environment.putAll(setup.variables().get(invocation.functionId()));
        environment.put("JAVA_TOOL_OPTIONS", (spec.environment().getOrDefault("JAVA_TOOL_OPTIONS", "")
                + " -Djdk.net.hosts.file=" + hosts).trim());
        try (LocalApiFunction function = new LocalApiFunction(spec, environment, System.out::println)) {
            LocalApiFunction.Result result = function.invoke(Files.readString(invocation.event()), spec.invokedArn())
                    .get(spec.timeoutSeconds() + 60L, java.util.concurrent.TimeUnit.SECONDS);
            if (result.functionError()) {
                throw new IllegalStateException(invocation + " failed: " + result.payload());
            }
            return result.payload();
        }
    }

    /**
     * This machine's address as containers and the LAN reach it: the source address of its default
     * route (no packet is sent), else its first site-local IPv4 address.
     */
    public static String hostAddress() {
        try (DatagramSocket socket = new DatagramSocket()) {
            socket.connect(InetAddress.getByName("198.51.100.1"), 9); // a documentation address: only the route is looked up
            InetAddress address = socket.getLocalAddress();
            if (address instanceof Inet4Address && !address.isAnyLocalAddress() && !address.isLoopbackAddress()) {
                return address.getHostAddress();
            }
        } catch (IOException noRoute) {
            // no default route: look at the interfaces
        }
        try {
            for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (nic.isUp() && !nic.isLoopback()) {
                    for (InetAddress address : Collections.list(nic.getInetAddresses())) {
                        if (address instanceof Inet4Address && address.isSiteLocalAddress()) {
                            return address.getHostAddress();
                        }
                    }
                }
            }
        } catch (SocketException e) {
            throw new IllegalStateException("Cannot list the network interfaces: " + e.getMessage(), e);
        }
        throw new IllegalStateException("This machine has no network address that containers could reach S3 at: pass --host-address");
    }

    /**
     * Writes the files into {@code directory} ({@link #DIRECTORY} of the project for the run command) and
     * prints what runs and the commands to paste, to run in the project's {@code root}.
     */
    public static Setup welcome(LocalRun run, Path root, Path directory, String hostAddress, Consumer<String> out) throws IOException {
        Setup setup = write(run, directory, hostAddress);
        boolean linux = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux");
        String adminJwt = run.login(LocalRun.ADMIN);
        Map<String, String> variables = setup.variables().values().iterator().next();
        String rule = "=".repeat(100);
        out.accept(rule);
        out.accept("onboarding-export's parts run for `sam local` (Docker and the SAM CLI). Ctrl-C stops everything.");
        out.accept("They listen on every interface (0.0.0.0): containers reach them, and so does the LAN (dev data, dev secrets).");
        out.accept("");
        out.accept("  Strapi (dev, seeded, fresh database):  " + run.strapi().url() + ", in containers " + variables.get("STRAPI_URL"));
        out.accept("  moto_server (Secrets Manager, EventBridge, SQS):  " + run.moto().endpoint() + ", in containers "
                + variables.get("AWS_ENDPOINT_URL"));
        out.accept("  S3 (S3Proxy):  http://" + hostAddress + ":" + run.s3().endpoint().getPort()
                + " (this machine's address, also in the download links; --host-address to change)");
        out.accept("  Dev users, password " + LocalStrapi.DEV_PASSWORD + ": " + LocalRun.ADMIN + ", " + LocalRun.CLIENT_A
                + ", client-b@onboarding.test");
        out.accept("  Wrote " + relative(root, setup.envVars()) + " (--env-vars: the variables of each function of template.yaml)"
                + " and the samples of events/ with real tokens in " + relative(root, setup.envVars().resolveSibling("events")) + "/");
        out.accept("");
        out.accept("In " + root + ", build once, and again after each change of the code:");
        out.accept("  sam build");
        out.accept("");
        out.accept("The API (the authorizer, then the export function, each request in a new container):");
        out.accept(command(root, setup, linux, "start-api"));
        out.accept("  curl -s -X POST http://127.0.0.1:" + START_API_PORT + "/exports/onboarding -H 'Authorization: Bearer " + adminJwt
                + "' \\\n    -H 'Content-Type: application/json' -d '" + LocalRun.FIRST_EXPORT + "'");
        out.accept("");
        out.accept("Background exports (202) go to the worker through Lambda's Invoke API (SAM CLI 1.154 or newer); in another terminal:");
        out.accept(command(root, setup, linux, "start-lambda --host 0.0.0.0"));
        out.accept("");
        out.accept("Each sample event with its function:");
        for (Invocation invocation : setup.invocations()) {
            out.accept(command(root, setup, linux, "invoke " + invocation.functionId() + " -e " + relative(root, invocation.event())));
        }
        if (linux) {
            out.accept("");
            out.accept("(--add-host " + LINUX_ADD_HOST + ": on Linux, Docker maps the name only when told; Docker Desktop resolves it itself.)");
        }
        out.accept(rule);
        return setup;
    }

    /** A {@code sam local} command as a person pastes it: the local credentials in front, the options on lines of their own. */
    private static String command(Path root, Setup setup, boolean linux, String subcommand) {
        String credentials = new TreeMap<>(Setup.credentials()).entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .reduce((a, b) -> a + " " + b).orElseThrow();
        List<String> options = new ArrayList<>(setup.options(linux));
        options.set(options.indexOf("--env-vars") + 1, relative(root, setup.envVars()));
        int overrides = options.indexOf("--parameter-overrides");
        return "  " + credentials + " sam local " + subcommand + " \\\n    " + String.join(" ", options.subList(0, overrides))
                + " \\\n    --parameter-overrides '" + options.get(overrides + 1) + "'";
    }

    private static String relative(Path root, Path file) {
        Path absolute = file.toAbsolutePath().normalize();
        return absolute.startsWith(root) ? root.relativize(absolute).toString() : absolute.toString();
    }
}
