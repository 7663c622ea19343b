package com.onboardingexport.local.run;

import com.onboardingexport.local.gateway.LocalApi;
import com.onboardingexport.local.gateway.LocalApiExplorer;
import com.onboardingexport.local.services.LocalMoto;
import com.onboardingexport.local.services.LocalS3;
import com.onboardingexport.local.services.LocalStrapi;
import com.onboardingexport.local.template.LocalApiTemplate;
import com.onboardingexport.local.template.ProjectRoot;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;

/**
 * The Docker-free local run (the README's "run it" command): the dev Strapi with its seed data,
 * S3Proxy checking signatures with the template's bucket(s), moto_server holding the two secrets
 * (and serving the other AWS services), and {@link LocalApi} serving template.yaml's routes with the real
 * handlers. It prints the URLs and ready-to-paste curl commands with real tokens, the API explorer's
 * URL ({@code /docs}, {@link LocalApiExplorer}) with an admin's token to paste into it, runs a first
 * export through the local API and checks that its link downloads. Ctrl-C stops everything.
 *
 * <p>Options: {@code --port N} (env PORT, default 3000, as {@code sam local start-api}),
 * {@code --strapi-port N} (env STRAPI_PORT, default 1337) and {@code --cors-origins LIST} (env
 * CORS_ALLOWED_ORIGINS, default {@link #DEV_CORS_ORIGINS}; empty for none): the browser origins that
 * may call the local API and fetch its download links, as the template's CorsAllowedOrigins, where
 * {@code host:*} means any port.
 *
 * <p>{@code --services-only}: the parts without the local API, on every interface, for {@code sam local}
 * in Docker ({@link SamLocal}: the env-vars file and the commands it prints); {@code --host-address A}
 * (env HOST_ADDRESS) is this machine's address for the S3 endpoint, by default the one of its default route.
 */
public final class LocalRun implements AutoCloseable {
    /**
     * The template requires an https Strapi; locally Strapi serves plain http on loopback, so the
     * template gets this placeholder and the functions get the real URL in STRAPI_URL over it.
     */
    static final String TEMPLATE_STRAPI_URL = "https://strapi.local.invalid";
    public static final String ADMIN = "admin@onboarding.test";
    public static final String CLIENT_A = "client-a@onboarding.test";
    /** The body of the first export and of the printed curl commands. */
    public static final String FIRST_EXPORT = "{\"date_range\":\"all_time\",\"file_format\":\"csv\"}";
    /** For development, a front end on localhost or 127.0.0.1, on any port, may call the local API. */
    public static final String DEV_CORS_ORIGINS = "http://localhost:*,http://127.0.0.1:*";
    /** The Docker-free run's parts listen on loopback only. */
    static final String LOOPBACK = "127.0.0.1";
    /** Every interface: what {@code --services-only} listens on, so that containers (and the LAN) reach the parts. */
    static final String ALL_INTERFACES = "0.0.0.0";

    private final Deque<AutoCloseable> started = new ArrayDeque<>();
    private LocalStrapi strapi;
    private LocalMoto moto;
    private LocalS3 s3;
    private LocalMoto.Queue eventsQueue;
    private String eventBusName;
    private Path template;
    private LocalApi api;
    /** What !Ref and !GetAtt of the template's buckets and queues mean locally. */
    private Map<String, String> resourceNames;
    private Map<String, String> parameters;
    private Map<String, String> localEnvironment;
    private String corsOrigins;

    /** The real parts and the API, started on the given ports (0 for free ones), with the development CORS origins. */
    public static LocalRun start(Path template, int apiPort, int strapiPort, Consumer<String> log) throws Exception {
        return start(template, apiPort, strapiPort, Map.of(), DEV_CORS_ORIGINS, log);
    }

    /** The same, with extra environment for Strapi (a test's {@code SEED_RESPONSES}). */
    public static LocalRun start(Path template, int apiPort, int strapiPort, Map<String, String> strapiEnvironment,
                                 Consumer<String> log) throws Exception {
        return start(template, apiPort, strapiPort, strapiEnvironment, DEV_CORS_ORIGINS, log);
    }

    /** The same, allowing these browser origins (comma-separated; {@code host:*} for any port; empty for none). */
    public static LocalRun start(Path template, int apiPort, int strapiPort, Map<String, String> strapiEnvironment,
                                 String corsOrigins, Consumer<String> log) throws Exception {
        LocalRun run = new LocalRun();
        try {
            run.startParts(template, apiPort, strapiPort, strapiEnvironment, corsOrigins, log);
        } catch (Exception | Error e) {
            run.close();
            throw e;
        }
        return run;
    }

    /**
     * The parts without the local API, for {@code sam local} ({@code --services-only}): Strapi, S3Proxy and
     * moto_server with the template's buckets and queues and the two secrets, listening on every interface.
     */
    public static LocalRun startServices(Path template, int strapiPort, String corsOrigins, Consumer<String> log) throws Exception {
        LocalRun run = new LocalRun();
        try {
            run.startServices(template, strapiPort, Map.of(), ALL_INTERFACES, corsOrigins, log);
        } catch (Exception | Error e) {
            run.close();
            throw e;
        }
        return run;
    }

    private void startParts(Path template, int apiPort, int strapiPort, Map<String, String> strapiEnvironment,
                            String corsOrigins, Consumer<String> log) throws Exception {
        startServices(template, strapiPort, strapiEnvironment, LOOPBACK, corsOrigins, log);
        api = LocalApi.start(apiConfig(template, apiPort, log));
        started.push(api);
        // The template's schedules, in moto's Scheduler as SAM creates them: each invokes its function's alias.
        LocalApiTemplate spec = LocalApiTemplate.read(template, parameters, resourceNames);
        for (LocalApiTemplate.Schedule schedule : spec.schedules()) {
            moto.createSchedule(schedule, spec.function(schedule.functionId()).invokedArn(), "arn:aws:iam::"
                    + LocalApiTemplate.ACCOUNT + ":role/" + LocalApiTemplate.STACK_NAME + "-" + schedule.functionId() + schedule.name() + "Role");
        }
    }

    private void startServices(Path template, int strapiPort, Map<String, String> strapiEnvironment, String bindAddress,
                               String corsOrigins, Consumer<String> log) throws Exception {
        this.template = template;
        log.accept("[local] starting Strapi (" + (strapiPort == 0 ? "free port" : "port " + strapiPort) + "), S3Proxy, moto_server"
                + (LOOPBACK.equals(bindAddress) ? "" : ", on every interface (" + bindAddress + ")"));
        strapi = LocalStrapi.start(new LocalStrapi.Options(strapiPort, strapiEnvironment, bindAddress));
        started.push(strapi);
        s3 = LocalS3.start(bindAddress, 0, corsOrigins);
        started.push(s3);
        // One local bucket per bucket of the template; !Ref of it is the local name.
        resourceNames = new LinkedHashMap<>();
        for (String bucketId : LocalApiTemplate.resourcesOfType(template, LocalApiTemplate.BUCKET)) {
            String name = (LocalApiTemplate.STACK_NAME + "-" + bucketId).toLowerCase(Locale.ROOT);
            s3.createBucket(name);
            resourceNames.put(bucketId, name);
            resourceNames.put(bucketId + ".Arn", "arn:aws:s3:::" + name);
        }
        moto = LocalMoto.start(bindAddress, 0);
        started.push(moto);
        // The template's event bus (the exports' events), named as CloudFormation names it (its Name,
        // ${AWS::StackName}-exports), and where a person (or a test) sees the events: a rule on it to a queue.
        List<String> buses = LocalApiTemplate.resourcesOfType(template, LocalApiTemplate.EVENT_BUS);
        if (buses.size() != 1) {
            throw new IllegalStateException("the local run expects one event bus in " + template + ", found " + buses);
        }
        eventBusName = moto.createEventBus(LocalApiTemplate.STACK_NAME + "-exports");
        resourceNames.put(buses.get(0), eventBusName);
        resourceNames.put(buses.get(0) + ".Arn", "arn:aws:events:" + LocalApiTemplate.REGION + ":" + LocalApiTemplate.ACCOUNT + ":event-bus/" + eventBusName);
        resourceNames.put(buses.get(0) + ".Name", eventBusName);
        eventsQueue = moto.routeEventsToQueue(eventBusName, "onboarding-export", LocalApiTemplate.STACK_NAME + "-events");
        // One queue in moto per queue of the template (the worker's dead-letter queue).
        for (String queueId : LocalApiTemplate.resourcesOfType(template, LocalApiTemplate.QUEUE)) {
            LocalMoto.Queue queue = moto.createQueue((LocalApiTemplate.STACK_NAME + "-" + queueId).toLowerCase(Locale.ROOT));
            resourceNames.put(queueId, queue.url());
            resourceNames.put(queueId + ".Arn", queue.arn());
            resourceNames.put(queueId + ".QueueName", queue.name());
        }
        String apiTokenArn = moto.createSecret("onboarding-export-local/strapi-api-token", strapi.apiToken());
        String jwtSecretArn = moto.createSecret("onboarding-export-local/jwt-secret", strapi.jwtSecret());

        Map<String, String> local = new LinkedHashMap<>();
        local.put("AWS_ACCESS_KEY_ID", LocalS3.ACCESS_KEY);
        local.put("AWS_SECRET_ACCESS_KEY", LocalS3.SECRET_KEY);
        // The SDK's standard endpoint variables: every service to moto, S3 to S3Proxy.
        local.put("AWS_ENDPOINT_URL", moto.endpoint().toString());
        local.put("AWS_ENDPOINT_URL_S3", s3.endpoint().toString());
        local.put("STRAPI_URL", strapi.url().toString());
        // CORS: the functions get the list as it is; the template's parameter (exact origins only)
        // gets it without the ":*" of any-port entries, which is all its gateway responses look at.
        this.corsOrigins = corsOrigins;
        local.put("CORS_ALLOWED_ORIGINS", corsOrigins);
        // AWS WAF's rate rules off by default: every local client has the one address 127.0.0.1, which a
        // per-IP rule would count as one caller (WafEnabled=true turns them on, as the storm benchmark does).
        parameters = Map.of("StrapiUrl", TEMPLATE_STRAPI_URL,
                "StrapiApiTokenSecretArn", apiTokenArn, "JwtSecretArn", jwtSecretArn,
                "CorsAllowedOrigins", corsOrigins.replace(":*", "").replace(" ", ""), "WafEnabled", "false");
        localEnvironment = Map.copyOf(local);
    }

    /** How this run serves a template on its parts: the same for another template (a test's broken copy). */
    public LocalApi.Config apiConfig(Path template, int port, Consumer<String> log) {
        return apiConfig(template, port, log, Map.of());
    }

    /** The same, with variables every function gets over its own (a test pointing the functions at a faulty Strapi). */
    public LocalApi.Config apiConfig(Path template, int port, Consumer<String> log, Map<String, String> overrides) {
        return apiConfig(template, port, log, overrides, Map.of());
    }

    /** The same, with template parameters of its own over the run's ({@code sam deploy --parameter-overrides}). */
    public LocalApi.Config apiConfig(Path template, int port, Consumer<String> log, Map<String, String> overrides,
                                     Map<String, String> parameterOverrides) {
        Map<String, String> environment = new LinkedHashMap<>(localEnvironment);
        environment.putAll(overrides);
        Map<String, String> parameterValues = new LinkedHashMap<>(parameters);
        parameterValues.putAll(parameterOverrides);
        return new LocalApi.Config(template, port, Map.copyOf(parameterValues), resourceNames, environment, log);
    }

    public LocalStrapi strapi() {
        return strapi;
    }

    public LocalApi api() {
        return api;
    }

    public LocalMoto moto() {
        return moto;
    }

    public LocalS3 s3() {
        return s3;
    }

    public Path template() {
        return template;
    }

    /** The local values of the template's parameters (the others take their Default). */
    public Map<String, String> parameters() {
        return parameters;
    }

    /**
     * What every function gets over the template's environment: credentials, the endpoints of the
     * local parts (on loopback), STRAPI_URL and CORS_ALLOWED_ORIGINS.
     */
    public Map<String, String> localEnvironment() {
        return localEnvironment;
    }

    /** Local names of the template's resources: a bucket's name, a queue's URL and {@code Queue.Arn}. */
    public Map<String, String> resourceNames() {
        return resourceNames;
    }

    /** A real JWT for a dev user, from Strapi's own {@code POST /api/auth/local}. */
    public String login(String email) {
        return strapi.login(email, LocalStrapi.DEV_PASSWORD);
    }

    @Override
    public void close() {
        while (!started.isEmpty()) {
            try {
                started.pop().close();
            } catch (Exception e) {
                System.err.println("[local] while stopping: " + e);
            }
        }
    }

    public static void main(String[] args) throws Exception {
        boolean servicesOnly = List.of(args).contains("--services-only");
        int apiPort = CommandLine.option(args, "--port", "PORT", 3000);
        int strapiPort = CommandLine.option(args, "--strapi-port", "STRAPI_PORT", 1337);
        String corsOrigins = CommandLine.textOption(args, "--cors-origins", "CORS_ALLOWED_ORIGINS", DEV_CORS_ORIGINS);
        if (!servicesOnly) {
            requireFree(apiPort, "--port / PORT");
        }
        requireFree(strapiPort, "--strapi-port / STRAPI_PORT");
        Path root = ProjectRoot.find();
        Path template = root.resolve("template.yaml");

        CountDownLatch stopped = new CountDownLatch(1);
        LocalRun[] holder = new LocalRun[1];
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            synchronized (holder) {
                if (holder[0] != null) {
                    System.out.println("[local] stopping: " + (servicesOnly ? "" : "API, function JVMs, ") + "Strapi, S3Proxy, moto_server");
                    holder[0].close();
                    holder[0] = null;
                }
            }
            stopped.countDown();
        }, "local-run-shutdown"));

        LocalRun run;
        try {
            run = servicesOnly ? startServices(template, strapiPort, corsOrigins, System.out::println)
                    : start(template, apiPort, strapiPort, Map.of(), corsOrigins, System.out::println);
        } catch (Exception e) {
            System.err.println("[local] could not start: " + e.getMessage());
            System.exit(1);
            return;
        }
        synchronized (holder) {
            holder[0] = run;
        }
        int status;
        try {
            if (servicesOnly) {
                String hostAddress = CommandLine.textOption(args, "--host-address", "HOST_ADDRESS", null);
                SamLocal.welcome(run, root, root.resolve(SamLocal.DIRECTORY),
                        hostAddress == null ? SamLocal.hostAddress() : hostAddress, System.out::println);
                status = 0;
            } else {
                status = run.welcome(System.out::println);
            }
        } catch (Exception | Error e) {
            System.err.println("[local] FAILED: " + e);
            status = 1;
        }
        if (status != 0) {
            System.exit(status);
        }
        stopped.await();
    }

    /** Prints what is running and how to call it, then runs a first export through the API. 0 if it worked. */
    public int welcome(Consumer<String> out) throws IOException, InterruptedException {
        return new Banner(this).print(out);
    }

    /** The browser origins that may call the local API (CorsAllowedOrigins), empty for none. */
    String corsOrigins() {
        return corsOrigins;
    }

    /** The exports' event bus in moto (the template's ExportEventBus, {@code <stack>-exports}). */
    public String eventBusName() {
        return eventBusName;
    }

    /** The queue that receives the exports' events (source onboarding-export) in the local run. */
    public LocalMoto.Queue eventsQueue() {
        return eventsQueue;
    }

    private static void requireFree(int port, String option) {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
        } catch (IOException e) {
            System.err.println("[local] port " + port + " is in use; choose another with " + option);
            System.exit(2);
        }
    }
}
