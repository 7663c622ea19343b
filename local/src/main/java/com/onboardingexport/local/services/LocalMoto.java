package com.onboardingexport.local.services;

import com.onboardingexport.local.template.LocalApiTemplate;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.scheduler.SchedulerClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * {@code moto_server} (moto 5, Python), the Docker-free AWS emulator, on a free port: Secrets
 * Manager, SQS, SNS, EventBridge and Scheduler over their real wire protocols, reached by the real
 * SDK clients through {@code AWS_ENDPOINT_URL}. S3 stays on {@link LocalS3}, which checks
 * signatures. Each start is a fresh, empty moto.
 */
public final class LocalMoto implements AutoCloseable {
    public static final String INSTALL_HINT = "pip install 'moto[server]'";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final Process process;
    private final URI endpoint;
    private final Path logFile;

    private LocalMoto(Process process, URI endpoint, Path logFile) {
        this.process = process;
        this.endpoint = endpoint;
        this.logFile = logFile;
    }

    public static LocalMoto start(int port) throws IOException, InterruptedException {
        return start("127.0.0.1", port);
    }

    /** The same, listening on {@code bindAddress} (0.0.0.0: every interface, so containers reach it); {@link #endpoint()} stays on loopback. */
    public static LocalMoto start(String bindAddress, int port) throws IOException, InterruptedException {
        String executable = findOnPath("moto_server").orElseThrow(() -> new IllegalStateException(
                "moto_server is not installed (it emulates Secrets Manager, SQS, SNS, EventBridge): " + INSTALL_HINT));
        int chosen = port == 0 ? freePort() : port;
        Path logFile = Files.createTempFile("moto-", ".log");
        Process process = new ProcessBuilder(List.of(executable, "-H", bindAddress, "-p", Integer.toString(chosen)))
                .redirectErrorStream(true)
                .redirectOutput(logFile.toFile())
                .start();
        LocalMoto moto = new LocalMoto(process, URI.create("http://127.0.0.1:" + chosen), logFile);
        try {
            moto.awaitReady();
        } catch (RuntimeException | InterruptedException e) {
            moto.close();
            throw e;
        }
        return moto;
    }

    public URI endpoint() {
        return endpoint;
    }

    /** The real Secrets Manager client on this moto (any credentials do). */
    public SecretsManagerClient secretsManager() {
        return client(SecretsManagerClient.builder());
    }

    /** The real SQS client on this moto. */
    public SqsClient sqs() {
        return client(SqsClient.builder());
    }

    /** The real EventBridge client on this moto. */
    public EventBridgeClient eventBridge() {
        return client(EventBridgeClient.builder());
    }

    /** The real EventBridge Scheduler client on this moto. */
    public SchedulerClient scheduler() {
        return client(SchedulerClient.builder());
    }

    /** A real SDK client of any service on this moto (any credentials do). */
    private <B extends AwsClientBuilder<B, C> & AwsSyncClientBuilder<B, C>, C> C client(B builder) {
        return builder.endpointOverride(endpoint)
                .region(LocalS3.REGION)
                .credentialsProvider(credentials())
                .httpClient(UrlConnectionHttpClient.create())
                .build();
    }

    /**
     * A rule on the default event bus that sends every event of {@code source} to a new queue, as
     * a user's rule would route the exports' events; returns the queue.
     */
    public Queue routeEventsToQueue(String source, String name) {
        return routeEventsToQueue("default", source, name);
    }

    /** The same on the event bus {@code bus} (a name). */
    public Queue routeEventsToQueue(String bus, String source, String name) {
        Queue queue = createQueue(name);
        try (EventBridgeClient events = eventBridge()) {
            events.putRule(b -> b.name(name).eventBusName(bus).eventPattern("{\"source\":[\"" + source + "\"]}"));
            events.putTargets(b -> b.rule(name).eventBusName(bus).targets(t -> t.id("queue").arn(queue.arn())));
        }
        return queue;
    }

    /** A custom event bus, as CloudFormation creates an AWS::Events::EventBus; returns its name. */
    public String createEventBus(String name) {
        try (EventBridgeClient events = eventBridge()) {
            events.createEventBus(b -> b.name(name));
        }
        return name;
    }

    /** A queue, as CloudFormation would create it: its URL ({@code !Ref}) and ARN ({@code !GetAtt .Arn}). */
    public record Queue(String name, String url, String arn) {
    }

    public Queue createQueue(String name) {
        try (SqsClient sqs = sqs()) {
            String url = sqs.createQueue(b -> b.queueName(name)).queueUrl();
            String arn = sqs.getQueueAttributes(b -> b.queueUrl(url).attributeNames(QueueAttributeName.QUEUE_ARN))
                    .attributes().get(QueueAttributeName.QUEUE_ARN);
            return new Queue(name, url, arn);
        }
    }

    /**
     * A schedule in the default group, as SAM creates one of a function's ScheduleV2 event: it
     * invokes {@code targetArn} (the function's alias) with {@code input}, as {@code roleArn}.
     */
    public void createSchedule(LocalApiTemplate.Schedule schedule, String targetArn, String roleArn) {
        try (SchedulerClient scheduler = scheduler()) {
            scheduler.createSchedule(b -> b.name(schedule.scheduleName())
                    .scheduleExpression(schedule.expression())
                    .scheduleExpressionTimezone(schedule.timezone())
                    .state(schedule.state())
                    .flexibleTimeWindow(w -> w.mode("OFF"))
                    .target(t -> t.arn(targetArn).roleArn(roleArn).input(schedule.input())
                            .retryPolicy(r -> r.maximumEventAgeInSeconds(schedule.maximumEventAgeSeconds())
                                    .maximumRetryAttempts(schedule.maximumRetryAttempts()))));
        }
    }

    /** Creates a secret whose SecretString is {@code value}; returns its full ARN (with moto's random suffix). */
    public String createSecret(String name, String value) {
        try (SecretsManagerClient client = secretsManager()) {
            return client.createSecret(b -> b.name(name).secretString(value)).arn();
        }
    }

    /** A new current version of a secret, as a rotation would write it. */
    public void putSecretValue(String secretId, String value) {
        try (SecretsManagerClient client = secretsManager()) {
            client.putSecretValue(b -> b.secretId(secretId).secretString(value));
        }
    }

    private static StaticCredentialsProvider credentials() {
        return StaticCredentialsProvider.create(AwsBasicCredentials.create(LocalS3.ACCESS_KEY, LocalS3.SECRET_KEY));
    }

    private void awaitReady() throws InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        HttpRequest ping = HttpRequest.newBuilder(endpoint.resolve("/moto-api/data.json")).timeout(Duration.ofSeconds(2)).GET().build();
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("moto_server exited with " + process.exitValue() + ":\n" + log());
            }
            try {
                if (http.send(ping, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("moto_server did not answer in " + START_TIMEOUT + ":\n" + log());
    }

    private String log() {
        try {
            return Files.readString(logFile);
        } catch (IOException e) {
            return "(no log)";
        }
    }

    /** An executable on the PATH, as a shell would find it. */
    public static java.util.Optional<String> findOnPath(String command) {
        String path = System.getenv("PATH");
        if (path == null) {
            return java.util.Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir, command);
            if (Files.isExecutable(candidate)) {
                return java.util.Optional.of(candidate.toString());
            }
        }
        return java.util.Optional.empty();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() {
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            Files.deleteIfExists(logFile);
        } catch (IOException ignored) {
            // a temp file left behind is harmless
        }
    }
}
