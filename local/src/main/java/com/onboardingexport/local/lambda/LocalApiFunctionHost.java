package com.onboardingexport.local.lambda;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.amazonaws.services.lambda.runtime.serialization.PojoSerializer;
import com.amazonaws.services.lambda.runtime.serialization.events.LambdaEventSerializers;
import com.amazonaws.services.lambda.runtime.serialization.factories.JacksonFactory;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.onboardingexport.shared.Json;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One Lambda "execution environment" for one function, in a JVM of its own whose environment
 * variables are exactly the function's (as template.yaml sets them) plus the ones Lambda sets.
 * It loads the handler as the Java runtime does: the class named by the template's
 * {@code Handler} string, instantiated once through its no-argument constructor; events are
 * turned into {@code aws-lambda-java-events} types with the runtime's own serializer
 * ({@code aws-lambda-java-serialization}). A handler that cannot be loaded does not stop the
 * host: every invocation then fails with the runtime's error ("Class not found: ..."), which is
 * how Lambda behaves. One invocation at a time; a timed-out invocation ends the JVM (Lambda
 * resets the environment), and the parent starts a fresh one.
 *
 * <p>Protocol with {@link LocalApiFunction}: the host prints {@code LOCAL_LAMBDA_READY <port>} on
 * stdout, then answers {@code POST /invoke} (the event as body) with the response payload, or with
 * the error document and the header {@code X-Amz-Function-Error: Unhandled}.
 */
public final class LocalApiFunctionHost {
    static final String READY = "LOCAL_LAMBDA_READY ";
    static final String INIT_ERROR = "INIT_ERROR ";
    static final String FUNCTION_ERROR_HEADER = "X-Amz-Function-Error";
    /** The ARN (with alias or version) the caller invoked, for {@link Context#getInvokedFunctionArn()}. */
    static final String INVOKED_ARN_HEADER = "X-Local-Invoked-Function-Arn";
    /** The invocation's request id, for {@link Context#getAwsRequestId()}: Lambda's is the Invoke API's own. */
    static final String REQUEST_ID_HEADER = "X-Local-Request-Id";
    /**
     * The Java runtime's system property for the invocation's X-Ray trace header, set before each
     * invocation (the AWS SDK reads it, and passes the trace on to the calls it makes).
     */
    static final String TRACE_PROPERTY = "com.amazonaws.xray.traceHeader";
    /** Lambda's JSON log format (LoggingConfig): its own lines are then JSON platform events. */
    private static final boolean JSON_FORMAT = "JSON".equals(System.getenv("AWS_LAMBDA_LOG_FORMAT"));

    private final String handlerString;
    private final String functionName;
    private final String invokedArn;
    private final int timeoutSeconds;
    private final int memoryMb;
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "lambda-handler");
        thread.setDaemon(true);
        return thread;
    });
    private Invoker invoker;
    private ObjectNode initError;

    private LocalApiFunctionHost(String handlerString, String functionName, String invokedArn, int timeoutSeconds, int memoryMb) {
        this.handlerString = handlerString;
        this.functionName = functionName;
        this.invokedArn = invokedArn;
        this.timeoutSeconds = timeoutSeconds;
        this.memoryMb = memoryMb;
    }

    /** Arguments: handler, function name, invoked ARN, timeout seconds, memory MB. */
    public static void main(String[] args) throws Exception {
        if (args.length != 5) {
            throw new IllegalArgumentException("usage: LocalApiFunctionHost <handler> <functionName> <invokedArn> <timeoutSeconds> <memoryMb>");
        }
        // The parent holds our stdin; when it goes away, so do we (no orphaned functions after a kill -9).
        Thread watchdog = new Thread(() -> {
            try {
                while (System.in.read() >= 0) {
                    // nothing is sent on stdin
                }
            } catch (IOException ignored) {
                // parent gone
            }
            Runtime.getRuntime().halt(0);
        }, "parent-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();

        LocalApiFunctionHost host = new LocalApiFunctionHost(args[0], args[1], args[2], Integer.parseInt(args[3]), Integer.parseInt(args[4]));
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/invoke", host::handle);
        server.setExecutor(Executors.newSingleThreadExecutor());
        host.init();
        server.start();
        System.out.println(READY + server.getAddress().getPort());
        System.out.flush();
    }

    /** The init phase: load and construct the handler, as the runtime does before the first event. */
    private void init() {
        long started = System.nanoTime();
        try {
            invoker = Invoker.load(handlerString, Thread.currentThread().getContextClassLoader());
        } catch (HandlerLoadException e) {
            initError = errorDocument(e.getMessage(), e.errorType, null);
        } catch (Throwable e) {
            Throwable cause = e instanceof InvocationTargetException ite && ite.getCause() != null ? ite.getCause() : e;
            initError = errorDocument(String.valueOf(cause.getMessage()), cause.getClass().getName(), cause);
        }
        if (initError != null) {
            // On stdout, before the READY line, so the parent sees it before the first invocation.
            System.out.println(INIT_ERROR + initError);
        } else {
            long millis = (System.nanoTime() - started) / 1_000_000;
            System.out.println(JSON_FORMAT ? platform("platform.initReport", Json.MAPPER.createObjectNode()
                    .put("initializationType", "on-demand").put("phase", "init").put("status", "success")
                    .set("metrics", Json.MAPPER.createObjectNode().put("durationMs", millis)))
                    : "INIT " + handlerString + " in " + millis + " ms");
        }
    }

    /** What an invocation gave: the payload (the error document when {@code error}), and whether it timed out. */
    private record Outcome(byte[] payload, boolean error, boolean timedOut) {
    }

    /** One invocation, as Lambda's runtime runs it: START, the handler within the timeout, END and REPORT, then the answer. */
    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] event = exchange.getRequestBody().readAllBytes();
            String requestId = java.util.Optional.ofNullable(exchange.getRequestHeaders().getFirst(REQUEST_ID_HEADER))
                    .orElseGet(() -> UUID.randomUUID().toString());
            String trace = java.util.Optional.ofNullable(exchange.getRequestHeaders().getFirst(LocalTraceHeader.HEADER))
                    .orElseGet(LocalTraceHeader::start);
            System.setProperty(TRACE_PROPERTY, trace);
            System.out.println(JSON_FORMAT ? platform("platform.start", Json.MAPPER.createObjectNode().put("requestId", requestId)
                    .put("version", "$LATEST").set("tracing", Json.MAPPER.createObjectNode().put("type", LocalTraceHeader.HEADER)
                            .put("value", trace)))
                    : "START RequestId: " + requestId + " Version: $LATEST");
            long started = System.nanoTime();
            Outcome outcome = initError != null
                    ? new Outcome(initError.toString().getBytes(StandardCharsets.UTF_8), true, false)
                    : invoke(event, requestId, exchange.getRequestHeaders().getFirst(INVOKED_ARN_HEADER));
            System.clearProperty(TRACE_PROPERTY);
            logEnd(requestId, outcome, started);
            answer(exchange, outcome);
        }
    }

    /** The handler run on the worker thread, within the function's timeout. */
    private Outcome invoke(byte[] event, String requestId, String arn) throws IOException {
        LocalLambdaContext context = new LocalLambdaContext(requestId, functionName, arn == null ? invokedArn : arn, memoryMb,
                System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds));
        Future<byte[]> run = worker.submit(() -> invoker.invoke(event, context));
        try {
            return new Outcome(run.get(timeoutSeconds, TimeUnit.SECONDS), false, false);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() instanceof InvocationTargetException ite ? ite.getCause() : e.getCause();
            byte[] payload = errorDocument(String.valueOf(cause.getMessage()), cause.getClass().getName(), cause)
                    .toString().getBytes(StandardCharsets.UTF_8);
            ObjectNode invokeError = Json.MAPPER.createObjectNode()
                    .put("errorType", cause.getClass().getName()).put("errorMessage", cause.getMessage());
            System.out.println(JSON_FORMAT ? Json.MAPPER.createObjectNode().put("timestamp", java.time.Instant.now().toString())
                    .put("level", "ERROR").put("AWSRequestId", requestId).put("message", "Invoke Error").setAll(invokeError)
                    : "ERROR Invoke Error " + invokeError);
            return new Outcome(payload, true, false);
        } catch (TimeoutException e) {
            byte[] payload = Json.MAPPER.createObjectNode()
                    .put("errorType", "Sandbox.Timedout")
                    .put("errorMessage", String.format(Locale.ROOT, "RequestId: %s Error: Task timed out after %d.00 seconds",
                            requestId, timeoutSeconds))
                    .toString().getBytes(StandardCharsets.UTF_8);
            return new Outcome(payload, true, true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    /** Lambda's lines after an invocation: runtimeDone and report (JSON format), or END and REPORT (text). */
    private void logEnd(String requestId, Outcome outcome, long started) {
        if (JSON_FORMAT) {
            String status = outcome.timedOut() ? "timeout" : outcome.error() ? "error" : "success";
            System.out.println(platform("platform.runtimeDone", Json.MAPPER.createObjectNode().put("requestId", requestId).put("status", status)));
            System.out.println(platform("platform.report", Json.MAPPER.createObjectNode().put("requestId", requestId).put("status", status)
                    .set("metrics", Json.MAPPER.createObjectNode().put("durationMs", (System.nanoTime() - started) / 1e6)
                            .put("memorySizeMB", memoryMb))));
        } else {
            System.out.println("END RequestId: " + requestId);
            System.out.printf(Locale.ROOT, "REPORT RequestId: %s\tDuration: %.2f ms\tMemory Size: %d MB%s%n", requestId,
                    (System.nanoTime() - started) / 1e6, memoryMb, outcome.error() ? "\tStatus: error" : "");
        }
    }

    /** The payload to the parent; after a timeout the environment ends, as Lambda discards it. */
    private static void answer(HttpExchange exchange, Outcome outcome) throws IOException {
        if (outcome.error()) {
            exchange.getResponseHeaders().set(FUNCTION_ERROR_HEADER, "Unhandled");
        }
        byte[] payload = outcome.payload();
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, payload.length == 0 ? -1 : payload.length);
        exchange.getResponseBody().write(payload);
        exchange.getResponseBody().flush();
        if (outcome.timedOut()) {
            // Lambda discards an environment whose invocation timed out; the next one starts cold.
            exchange.close();
            System.out.flush();
            Runtime.getRuntime().halt(0);
        }
    }

    /** One of Lambda's platform events, as its JSON log format writes them. */
    private static String platform(String type, com.fasterxml.jackson.databind.JsonNode record) {
        ObjectNode event = Json.MAPPER.createObjectNode().put("time", java.time.Instant.now().toString()).put("type", type);
        event.set("record", record);
        return event.toString();
    }

    /** The Java runtime's error document: errorMessage, errorType, stackTrace (and the cause). */
    static ObjectNode errorDocument(String message, String type, Throwable error) {
        ObjectNode document = Json.MAPPER.createObjectNode().put("errorMessage", message).put("errorType", type);
        ArrayNode trace = document.putArray("stackTrace");
        if (error != null) {
            for (StackTraceElement element : error.getStackTrace()) {
                trace.add(element.toString());
            }
            if (error.getCause() != null && error.getCause() != error) {
                Throwable cause = error.getCause();
                document.set("cause", errorDocument(String.valueOf(cause.getMessage()), cause.getClass().getName(), cause));
            }
        }
        return document;
    }

    /** A handler that could not be loaded, with the error type the runtime reports. */
    static final class HandlerLoadException extends Exception {
        final String errorType;

        HandlerLoadException(String message, String errorType, Throwable cause) {
            super(message, cause);
            this.errorType = errorType;
        }
    }

    /** Calls the handler the way the runtime does for each of the handler shapes. */
    interface Invoker {
        byte[] invoke(byte[] event, Context context) throws Exception;

        static Invoker load(String handler, ClassLoader loader) throws Exception {
            String className = handler.contains("::") ? handler.substring(0, handler.indexOf("::")) : handler;
            String methodName = handler.contains("::") ? handler.substring(handler.indexOf("::") + 2) : "handleRequest";
            Class<?> type;
            try {
                type = Class.forName(className, true, loader);
            } catch (ClassNotFoundException e) {
                throw new HandlerLoadException("Class not found: " + className, ClassNotFoundException.class.getName(), e);
            }
            if (methodName.equals("handleRequest") && RequestStreamHandler.class.isAssignableFrom(type)) {
                RequestStreamHandler instance = (RequestStreamHandler) construct(type);
                return (event, context) -> {
                    ByteArrayOutputStream out = new ByteArrayOutputStream();
                    instance.handleRequest(new ByteArrayInputStream(event), out, context);
                    return out.toByteArray();
                };
            }
            if (methodName.equals("handleRequest") && RequestHandler.class.isAssignableFrom(type)) {
                @SuppressWarnings("unchecked")
                RequestHandler<Object, Object> instance = (RequestHandler<Object, Object>) construct(type);
                Type[] io = requestHandlerTypes(type);
                PojoSerializer<Object> input = serializer(io[0], loader);
                PojoSerializer<Object> output = serializer(io[1], loader);
                return (event, context) -> {
                    Object answer = instance.handleRequest(input.fromJson(new ByteArrayInputStream(event)), context);
                    ByteArrayOutputStream out = new ByteArrayOutputStream();
                    output.toJson(answer, out);
                    return out.toByteArray();
                };
            }
            Method method = null;
            for (Method candidate : type.getMethods()) {
                if (candidate.getName().equals(methodName) && candidate.getParameterCount() >= 1 && candidate.getParameterCount() <= 2
                        && (method == null || candidate.getParameterCount() > method.getParameterCount())) {
                    method = candidate;
                }
            }
            if (method == null) {
                throw new HandlerLoadException("No public method named " + methodName + " with appropriate method signature found on class "
                        + className, "java.lang.NoSuchMethodException", null);
            }
            Object instance = Modifier.isStatic(method.getModifiers()) ? null : construct(type);
            Method chosen = method;
            PojoSerializer<Object> input = serializer(chosen.getGenericParameterTypes()[0], loader);
            PojoSerializer<Object> output = chosen.getReturnType() == void.class ? null : serializer(chosen.getGenericReturnType(), loader);
            return (event, context) -> {
                Object in = input.fromJson(new ByteArrayInputStream(event));
                Object answer = chosen.getParameterCount() == 2 ? chosen.invoke(instance, in, context) : chosen.invoke(instance, in);
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                if (output != null) {
                    output.toJson(answer, out);
                }
                return out.toByteArray();
            };
        }

        private static Object construct(Class<?> type) throws Exception {
            try {
                return type.getConstructor().newInstance();
            } catch (NoSuchMethodException e) {
                throw new HandlerLoadException("Class " + type.getName() + " has no public zero-argument constructor",
                        NoSuchMethodException.class.getName(), e);
            }
        }

        /** The I and O of {@code RequestHandler<I, O>} as the class (or a superclass) declares them. */
        private static Type[] requestHandlerTypes(Class<?> type) {
            for (Class<?> c = type; c != null; c = c.getSuperclass()) {
                for (Type candidate : c.getGenericInterfaces()) {
                    if (candidate instanceof ParameterizedType parameterized && parameterized.getRawType() == RequestHandler.class) {
                        return parameterized.getActualTypeArguments();
                    }
                }
            }
            return new Type[] {Object.class, Object.class};
        }

        /** Events types with the runtime's event serializers; anything else with its Jackson factory. */
        @SuppressWarnings("unchecked")
        private static PojoSerializer<Object> serializer(Type type, ClassLoader loader) {
            Class<?> raw = type instanceof Class<?> c ? c : type instanceof ParameterizedType p ? (Class<?>) p.getRawType() : Object.class;
            if (LambdaEventSerializers.isLambdaSupportedEvent(raw.getName())) {
                return (PojoSerializer<Object>) LambdaEventSerializers.serializerFor(raw, loader);
            }
            return JacksonFactory.getInstance().getSerializer(type);
        }
    }
}
