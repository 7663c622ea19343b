package com.onboardingexport.local.lambda;

import com.fasterxml.jackson.databind.JsonNode;
import com.onboardingexport.local.template.LocalApiTemplate;
import com.onboardingexport.local.template.ProjectRoot;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A function of the template as Lambda runs it locally: a pool of execution environments, each a
 * JVM running {@link LocalApiFunctionHost} with exactly the function's environment variables.
 * Like Lambda, one environment serves one invocation at a time; a concurrent invocation gets a
 * fresh (cold) environment, up to {@link #MAX_ENVIRONMENTS}, then waits.
 */
public final class LocalApiFunction implements AutoCloseable {
    static final int MAX_ENVIRONMENTS = 4;
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

    /** What an invocation returned: the payload, or the runtime's error document when {@code functionError}. */
    public record Result(boolean functionError, String payload) {
        /** The payload as JSON; null when it is empty or not JSON. */
        public JsonNode json() {
            return LocalFunctions.parseJson(payload);
        }

        /** The {@code errorMessage} of a runtime error document; null when there is none. */
        public String errorMessage() {
            JsonNode error = json();
            return error == null ? null : error.path("errorMessage").asText(null);
        }
    }

    private final LocalApiTemplate.Function spec;
    private final Map<String, String> environment;
    private final Consumer<String> log;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final Deque<Host> idle = new ArrayDeque<>();
    private final List<Host> all = new ArrayList<>();
    private final Semaphore slots = new Semaphore(MAX_ENVIRONMENTS, true);
    /** ReservedConcurrentExecutions: invocations beyond it are refused, not queued (null: no reservation). */
    private final Semaphore reserved;
    private final java.util.concurrent.atomic.AtomicInteger invocations = new java.util.concurrent.atomic.AtomicInteger();
    private volatile String initError;
    private volatile boolean closed;

    public LocalApiFunction(LocalApiTemplate.Function spec, Map<String, String> environment, Consumer<String> log) {
        this.spec = spec;
        this.environment = Map.copyOf(environment);
        this.log = log;
        this.reserved = spec.reservedConcurrency().isPresent() ? new Semaphore(spec.reservedConcurrency().getAsInt()) : null;
    }

    public LocalApiTemplate.Function spec() {
        return spec;
    }

    public int invocations() {
        return invocations.get();
    }

    /** The error of the last environment's init phase (a handler that cannot be loaded), if any. */
    public Optional<String> initError() {
        return Optional.ofNullable(initError);
    }

    /** Starts one environment now, so the first request does not pay for a JVM start and init errors show at once. */
    public void warm() throws IOException, InterruptedException {
        slots.acquire();
        try {
            release(take());
        } finally {
            slots.release();
        }
    }

    /** Invokes the function with an event (synchronously, from the caller's point of view: the future completes with the answer). */
    public CompletableFuture<Result> invoke(String event, String invokedArn) {
        return invoke(event, invokedArn, java.util.UUID.randomUUID().toString());
    }

    /**
     * An invocation within the function's reserved concurrency, as Lambda counts it: empty when as
     * many as it reserves are running already (Lambda's throttle, TooManyRequestsException), instead
     * of waiting. Within the reservation, at most {@link #MAX_ENVIRONMENTS} run at once here, the others wait.
     */
    Optional<CompletableFuture<Result>> invokeWithinReserved(String event, String invokedArn, String requestId) {
        return invokeWithinReserved(event, invokedArn, requestId, LocalTraceHeader.start());
    }

    /** The same in a trace of the caller's. */
    public Optional<CompletableFuture<Result>> invokeWithinReserved(String event, String invokedArn, String requestId, String traceHeader) {
        if (reserved != null && !reserved.tryAcquire()) {
            return Optional.empty();
        }
        CompletableFuture<Result> result = invoke(event, invokedArn, requestId, traceHeader);
        return Optional.of(reserved == null ? result : result.whenComplete((answer, error) -> reserved.release()));
    }

    /**
     * The same under a request id of the caller's (the Invoke API's, which Lambda also gives the
     * handler's context and writes in the failure record). An environment that dies during the
     * invocation (its JVM killed) answers the runtime's exit error, as Lambda reports it.
     */
    CompletableFuture<Result> invoke(String event, String invokedArn, String requestId) {
        return invoke(event, invokedArn, requestId, LocalTraceHeader.start());
    }

    /** The same in a trace of the caller's ({@code Root=...;Parent=...;Sampled=1}), as Lambda gives it to the handler. */
    CompletableFuture<Result> invoke(String event, String invokedArn, String requestId, String traceHeader) {
        invocations.incrementAndGet();
        Host host;
        try {
            slots.acquire();
            try {
                host = take();
            } catch (IOException | RuntimeException e) {
                slots.release();
                throw e;
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            return CompletableFuture.failedFuture(e);
        }
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + host.port + "/invoke"))
                .timeout(Duration.ofSeconds(spec.timeoutSeconds() + 30L))
                .header(LocalApiFunctionHost.INVOKED_ARN_HEADER, invokedArn)
                .header(LocalApiFunctionHost.REQUEST_ID_HEADER, requestId)
                .header(LocalTraceHeader.HEADER, traceHeader)
                .POST(HttpRequest.BodyPublishers.ofString(event, StandardCharsets.UTF_8))
                .build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8))
                .thenApply(response -> new Result(
                        response.headers().firstValue(LocalApiFunctionHost.FUNCTION_ERROR_HEADER).isPresent(), response.body()))
                .exceptionallyCompose(error -> host.exitError(requestId)
                        .map(CompletableFuture::completedFuture).orElseGet(() -> CompletableFuture.failedFuture(error)))
                .whenComplete((result, error) -> {
                    release(host);
                    slots.release();
                });
    }

    private synchronized Host take() throws IOException, InterruptedException {
        if (closed) {
            throw new IllegalStateException(spec.logicalId() + " is stopped");
        }
        while (!idle.isEmpty()) {
            Host host = idle.pop();
            if (host.process.isAlive()) {
                return host;
            }
            all.remove(host);
        }
        Host host = Host.start(this);
        all.add(host);
        return host;
    }

    private synchronized void release(Host host) {
        if (closed || !host.process.isAlive()) {
            all.remove(host);
            host.stop();
            return;
        }
        idle.push(host);
    }

    @Override
    public synchronized void close() {
        closed = true;
        all.forEach(Host::stop);
        all.clear();
        idle.clear();
    }

    /** One execution environment: a JVM with the function's environment. */
    private static final class Host {
        private final Process process;
        private volatile int port;

        private Host(Process process) {
            this.process = process;
        }

        static Host start(LocalApiFunction function) throws IOException, InterruptedException {
            LocalApiTemplate.Function spec = function.spec;
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            // Lambda sizes the heap from the function's memory; so does the local environment, so a
            // function that runs out of memory in Lambda runs out here too.
            ProcessBuilder builder = new ProcessBuilder(java,
                    "-Xmx" + Math.max(64, spec.memoryMb() * 85 / 100) + "m",
                    "-cp", lambdaClasspath(spec),
                    LocalApiFunctionHost.class.getName(),
                    spec.handler(), spec.functionName(), spec.invokedArn(),
                    Integer.toString(spec.timeoutSeconds()), Integer.toString(spec.memoryMb()));
            // Exactly the function's environment: nothing leaks in from the developer's shell
            // (AWS_PROFILE, real credentials), and a variable the template forgot is missing here too.
            builder.environment().clear();
            builder.environment().putAll(function.environment);
            Process process = builder.start();
            Host host = new Host(process);
            CountDownLatch ready = new CountDownLatch(1);
            String prefix = "[" + spec.logicalId() + "] ";
            pump(process.getInputStream(), line -> {
                if (host.port == 0 && line.startsWith(LocalApiFunctionHost.READY)) {
                    host.port = Integer.parseInt(line.substring(LocalApiFunctionHost.READY.length()).trim());
                    ready.countDown();
                    return;
                }
                if (line.startsWith(LocalApiFunctionHost.INIT_ERROR)) {
                    function.initError = line.substring(LocalApiFunctionHost.INIT_ERROR.length());
                }
                function.log.accept(prefix + line);
            }, ready);
            pump(process.getErrorStream(), line -> function.log.accept(prefix + line), null);
            if (!ready.await(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS) || host.port == 0) {
                host.stop();
                throw new IllegalStateException(spec.logicalId() + ": its Lambda environment did not start"
                        + (process.isAlive() ? " in " + START_TIMEOUT : " (exit " + process.exitValue() + ")"));
            }
            return host;
        }

        /**
         * The classpath Lambda would give the function: its CodeUri's classes and runtime
         * dependencies, then each layer's, as `sam build` lays them out (target/classes and
         * target/dependency, see the modules' poms); plus the host itself and the runtime's event
         * serializer. A dependency missing from a function's pom is missing here too. Falls back
         * to this JVM's classpath, with a warning, when the modules have not been packaged.
         */
        static String lambdaClasspath(LocalApiTemplate.Function spec) {
            Path root = ProjectRoot.find();
            List<String> entries = new ArrayList<>();
            for (String folder : spec.codeFolders()) {
                Path target = root.resolve(folder).resolve("target");
                if (!Files.isDirectory(target.resolve("classes")) || !Files.isDirectory(target.resolve("dependency"))) {
                    System.err.println("[local] " + folder + " is not packaged (mvn package): " + spec.logicalId()
                            + " runs on the whole local classpath instead of its Lambda layout");
                    return System.getProperty("java.class.path");
                }
                entries.add(target.resolve("classes").toString());
                entries.add(target.resolve("dependency").resolve("*").toString());
            }
            entries.add(codeSource(LocalApiFunctionHost.class));
            entries.add(codeSource(com.amazonaws.services.lambda.runtime.serialization.events.LambdaEventSerializers.class));
            return String.join(java.io.File.pathSeparator, entries);
        }

        private static String codeSource(Class<?> type) {
            try {
                return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
            } catch (java.net.URISyntaxException e) {
                throw new IllegalStateException(e);
            }
        }

        /** Forwards a stream line by line; counts the latch down at its end (the JVM died before READY). */
        private static void pump(InputStream stream, Consumer<String> sink, CountDownLatch endOfStream) {
            Thread thread = new Thread(() -> {
                try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                    for (String line; (line = reader.readLine()) != null; ) {
                        sink.accept(line);
                    }
                } catch (IOException ignored) {
                    // the process ended
                } finally {
                    if (endOfStream != null) {
                        endOfStream.countDown();
                    }
                }
            }, "lambda-log");
            thread.setDaemon(true);
            thread.start();
        }

        /**
         * When the environment's JVM has died (killed, crashed): Lambda's error for the invocation it
         * was running ({@code Runtime.ExitError}, "signal: killed" for a SIGKILL, as an out-of-memory kill is).
         */
        Optional<Result> exitError(String requestId) {
            try {
                if (!process.waitFor(2, TimeUnit.SECONDS)) {
                    return Optional.empty();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
            int exit = process.exitValue();
            String how = exit > 128 ? "signal: " + (exit == 137 ? "killed" : "signal " + (exit - 128)) : "exit status " + exit;
            return Optional.of(new Result(true, com.onboardingexport.shared.Json.MAPPER.createObjectNode()
                    .put("errorType", "Runtime.ExitError")
                    .put("errorMessage", "RequestId: " + requestId + " Error: Runtime exited with error: " + how).toString()));
        }

        void stop() {
            process.destroy();
            try {
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
    }
}
