package com.onboardingexport.local.lambda;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.onboardingexport.local.template.LocalApiTemplate;
import com.onboardingexport.shared.Json;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Every function of the template as Lambda runs it locally: one {@link LocalApiFunction} each with
 * the environment Lambda sets, Lambda's Invoke API ({@link LambdaInvokeApi}) for functions that call
 * one another, and what Lambda does with a failed asynchronous invocation: retries, then Lambda's
 * record to the on-failure destination (an SQS queue, or an asynchronous invocation of a function).
 */
public final class LocalFunctions implements AutoCloseable {
    /** The X-Ray daemon address (host:port, UDP) given to the functions; else the environment's {@code AWS_XRAY_DAEMON_ADDRESS}. */
    public static final String XRAY_DAEMON_PROPERTY = "local.xrayDaemonAddress";

    private final Map<String, LocalApiFunction> functions = new LinkedHashMap<>();
    private final List<String> functionErrors = new CopyOnWriteArrayList<>();
    private final Optional<AwsCallLog> callLog;
    private final Consumer<String> log;
    private final LocalFailureDestination failureDestination;
    private final ExecutorService executor = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "local-lambda");
        thread.setDaemon(true);
        return thread;
    });
    /** Lambda's retries of failed asynchronous invocations, minutes later. */
    private final ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "local-api-retries");
        thread.setDaemon(true);
        return thread;
    });
    private LambdaInvokeApi invokeApi;

    private LocalFunctions(Map<String, String> localEnvironment, Optional<AwsCallLog> callLog, Consumer<String> log) {
        this.callLog = callLog;
        this.log = log;
        this.failureDestination = new LocalFailureDestination(localEnvironment);
    }

    /**
     * Starts the Invoke API and prepares every function of the template (none runs yet: see {@link #warm()}).
     *
     * @param localEnvironment variables every function gets over its own: credentials, AWS_ENDPOINT_URL..., local overrides
     * @param apiUrl           what a function the template gives the API's URL ({@code API_URL}) gets
     * @param callLog          where the functions' AWS calls go, when the tests ask for them
     */
    public static LocalFunctions start(LocalApiTemplate template, Map<String, String> localEnvironment, String apiUrl,
                                       Optional<AwsCallLog> callLog, Consumer<String> log) throws IOException {
        LocalFunctions local = new LocalFunctions(localEnvironment, callLog, log);
        try {
            local.invokeApi = LambdaInvokeApi.start(local, local.executor, log);
            Map<String, String> lambdaEnvironment = new LinkedHashMap<>(localEnvironment);
            lambdaEnvironment.put("AWS_ENDPOINT_URL_LAMBDA", local.invokeApi.endpoint().toString());
            for (String id : template.resourcesOfType(LocalApiTemplate.FUNCTION)) {
                LocalApiTemplate.Function spec = template.function(id);
                local.functions.put(id, new LocalApiFunction(spec, local.environment(spec, lambdaEnvironment, apiUrl), log));
            }
        } catch (IOException | RuntimeException e) {
            local.close();
            throw e;
        }
        return local;
    }

    /** The function's environment as Lambda sets it: the template's variables, then the runtime's own. */
    private Map<String, String> environment(LocalApiTemplate.Function spec, Map<String, String> aws, String apiUrl) {
        Map<String, String> env = new LinkedHashMap<>(spec.environment());
        env.putAll(aws);
        if (env.containsKey("API_URL")) {
            env.put("API_URL", apiUrl);
        }
        callLog.ifPresent(calls -> env.put(AwsCallRecorder.LOG_VARIABLE, calls.prefix(spec.logicalId())));
        env.put("AWS_REGION", LocalApiTemplate.REGION);
        env.put("AWS_DEFAULT_REGION", LocalApiTemplate.REGION);
        env.put("AWS_LAMBDA_FUNCTION_NAME", spec.functionName());
        env.put("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST");
        env.put("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", Integer.toString(spec.memoryMb()));
        env.put("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/" + spec.functionName());
        env.put("AWS_EXECUTION_ENV", "AWS_Lambda_java21");
        env.put("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand");
        // Lambda always names its X-Ray daemon; locally there is none unless one is named (an X-Ray daemon
        // of your own, or a test's listener): without it the functions send no subsegments (Traces).
        String daemon = Optional.ofNullable(System.getProperty(XRAY_DAEMON_PROPERTY)).orElse(System.getenv("AWS_XRAY_DAEMON_ADDRESS"));
        if (daemon != null && !daemon.isEmpty()) {
            env.put("AWS_XRAY_DAEMON_ADDRESS", daemon);
        }
        env.putAll(spec.logging());
        env.put("_HANDLER", spec.handler());
        env.put("TZ", ":UTC");
        // Lambda sets en_US.UTF-8; C.UTF-8 is the UTF-8 locale every Linux has.
        env.put("LANG", "C.UTF-8");
        env.put("PATH", "/usr/local/bin:/usr/bin:/bin");
        return env;
    }

    /** Starts one environment per function now (in parallel): init errors show at once, first requests are warm. */
    public void warm() throws InterruptedException {
        List<Future<?>> warming = new ArrayList<>();
        for (LocalApiFunction function : functions.values()) {
            warming.add(executor.submit(() -> {
                function.warm();
                return null;
            }));
        }
        for (Future<?> future : warming) {
            try {
                future.get();
            } catch (ExecutionException e) {
                throw new IllegalStateException("A function could not start: " + e.getCause().getMessage(), e.getCause());
            }
        }
        for (LocalApiFunction function : functions.values()) {
            function.initError().ifPresent(error -> log.accept("[LocalApi] WARNING " + function.spec().logicalId()
                    + " cannot load its handler " + function.spec().handler() + ": every invocation will fail, as in Lambda: " + error));
        }
    }

    /** The Lambda API endpoint (Invoke, GetAlias, ListVersionsByFunction) the functions get as AWS_ENDPOINT_URL_LAMBDA. */
    public URI invokeEndpoint() {
        return invokeApi.endpoint();
    }

    /** A function by logical id. */
    public LocalApiFunction function(String logicalId) {
        return functions.get(logicalId);
    }

    /** A function of the template by name, logical id or ARN (with or without its qualifier); null if none. */
    LocalApiFunction find(String target) {
        String name = target.startsWith("arn:") ? target.split(":")[6] : target.split(":")[0];
        return functions.values().stream()
                .filter(f -> f.spec().functionName().equals(name) || f.spec().logicalId().equals(name))
                .findFirst().orElse(null);
    }

    /** Handler load errors of the functions (empty when every handler loaded). */
    public Map<String, String> initErrors() {
        Map<String, String> errors = new LinkedHashMap<>();
        functions.forEach((id, function) -> function.initError().ifPresent(error -> errors.put(id, error)));
        return errors;
    }

    /** How many times a function (by logical id) has been invoked. */
    public int invocations(String functionId) {
        LocalApiFunction function = functions.get(functionId);
        return function == null ? 0 : function.invocations();
    }

    /** Every function error so far, as "LogicalId: error document". */
    public List<String> functionErrors() {
        return Collections.unmodifiableList(functionErrors);
    }

    /** Keeps a function's error (an error document, or what went wrong) and logs its summary. */
    public void recordError(String functionId, String error) {
        functionErrors.add(functionId + ": " + error);
        JsonNode document = parseJson(error);
        String summary = document != null && document.has("errorMessage")
                ? document.path("errorType").asText("") + ": " + document.path("errorMessage").asText() : error;
        log.accept("[LocalApi] " + functionId + " failed: " + summary);
    }

    /** JSON text as a tree; null when it is empty or not JSON. */
    public static JsonNode parseJson(String text) {
        try {
            return text == null || text.isBlank() ? null : Json.MAPPER.readTree(text);
        } catch (IOException e) {
            return null;
        }
    }

    /** An asynchronous invocation (Lambda's {@code Event} type), under the request id the Invoke API answered. */
    void invokeAsync(LocalApiFunction function, String payload, String invokedArn, String requestId, String trace) {
        attempt(function, payload, invokedArn, requestId, 1, System.nanoTime(), trace);
    }

    /**
     * One attempt of an asynchronous invocation. A failed attempt is retried as Lambda does
     * (MaximumRetryAttempts, 2 unless set: one minute, then two, later); after the last, Lambda's
     * record goes to the on-failure destination. An event the function's reserved concurrency has no
     * room for stays queued and is tried again every second (Lambda backs off up to minutes); past
     * MaximumEventAgeInSeconds it is dropped unrun, and its record (EventAgeExceeded) goes to the same destination.
     */
    private void attempt(LocalApiFunction function, String payload, String invokedArn, String requestId, int attempt, long queuedAt,
                         String trace) {
        if (executor.isShutdown()) {
            return;
        }
        Optional<CompletableFuture<LocalApiFunction.Result>> invocation = function.invokeWithinReserved(payload, invokedArn, requestId, trace);
        if (invocation.isEmpty()) {
            if (System.nanoTime() - queuedAt < TimeUnit.SECONDS.toNanos(function.spec().maximumEventAgeSeconds())) {
                retries.schedule(() -> attempt(function, payload, invokedArn, requestId, attempt, queuedAt, trace), 1, TimeUnit.SECONDS);
            } else {
                log.accept("[LocalApi] " + function.spec().logicalId() + ": event older than MaximumEventAgeInSeconds, dropped unrun");
                sendFailureRecord(function, LocalFailureDestination.ageExceeded(invokedArn, requestId, attempt - 1, payload), trace);
            }
            return;
        }
        invocation.get().whenComplete((result, error) -> {
            if ((error == null && !result.functionError()) || executor.isShutdown()) {
                return;
            }
            String errorDocument = error != null ? Json.MAPPER.createObjectNode()
                    .put("errorMessage", "asynchronous invocation failed: " + error).toString() : result.payload();
            recordError(function.spec().logicalId(), errorDocument);
            if (attempt <= function.spec().maximumRetryAttempts()) {
                int delay = attempt == 1 ? 60 : 120;
                log.accept("[LocalApi] " + function.spec().logicalId() + ": retrying the asynchronous invocation in " + delay + " s");
                retries.schedule(() -> attempt(function, payload, invokedArn, requestId, attempt + 1, queuedAt, trace), delay, TimeUnit.SECONDS);
                return;
            }
            sendFailureRecord(function, LocalFailureDestination.record(invokedArn, requestId, attempt, payload, errorDocument), trace);
        });
    }

    /**
     * Lambda's record of an asynchronous invocation it gave up on, to the function's on-failure
     * destination, if any: sent to a queue, or an asynchronous invocation of a function. Lambda does
     * both with the function's role, so the call log counts them as the function's calls.
     */
    private void sendFailureRecord(LocalApiFunction function, ObjectNode record, String trace) {
        function.spec().onFailure().ifPresent(destination -> {
            String logicalId = function.spec().logicalId();
            try {
                if ("Lambda".equals(destination.type())) {
                    LocalApiFunction target = find(destination.arn());
                    if (target == null) {
                        throw new IllegalArgumentException("no function " + destination.arn() + " in the template");
                    }
                    callLog.ifPresent(calls -> calls.record(logicalId,
                            new AwsCallRecorder.Call("lambda:InvokeFunction", destination.arn(), "Invoke", false)));
                    executor.execute(() -> invokeAsync(target, record.toString(), destination.arn(), UUID.randomUUID().toString(),
                            LocalTraceHeader.child(trace)));
                } else {
                    callLog.ifPresent(calls -> calls.record(logicalId,
                            new AwsCallRecorder.Call("sqs:SendMessage", destination.arn(), "SendMessage", false)));
                    failureDestination.send(destination.arn(), record);
                }
                log.accept("[LocalApi] " + logicalId + ": failure record sent to " + destination.arn());
            } catch (RuntimeException e) {
                log.accept("[LocalApi] could not send the failure record to " + destination.arn() + ": " + e);
            }
        });
    }

    @Override
    public void close() {
        if (invokeApi != null) {
            invokeApi.close();
        }
        executor.shutdownNow();
        retries.shutdownNow();
        functions.values().forEach(LocalApiFunction::close);
        failureDestination.close();
    }
}
