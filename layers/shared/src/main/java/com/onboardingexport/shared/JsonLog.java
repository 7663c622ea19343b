package com.onboardingexport.shared;

import com.amazonaws.services.lambda.runtime.Context;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Structured logs: one JSON object per line on stdout, which Lambda sends to CloudWatch. Callers pass
 * key/value pairs; never pass a token, a secret, a link or response data.
 *
 * <p>Every line also carries the invocation's context: {@link #beginInvocation} sets the Lambda request
 * id, the function's name and version, {@code cold_start} and the X-Ray trace id, and {@link #put}
 * adds what is known later (the export id, user, role, client, schedule). Lambda runs one invocation
 * at a time per execution environment, so the context is the process's, and the threads an invocation
 * starts (the Strapi readers, the SDK's) log with it too. The AWS SDK's own lines come here through
 * {@link JsonSlf4jProvider}.
 *
 * <p>Lines below the level Lambda's {@code LoggingConfig.ApplicationLogLevel} sets
 * ({@code AWS_LAMBDA_LOG_LEVEL}) are dropped; without it, everything from INFO.
 */
public final class JsonLog {
    /** The levels in order, as Lambda names them. */
    public enum Level { TRACE, DEBUG, INFO, WARN, ERROR, FATAL }

    private static final Level THRESHOLD = level(System.getenv("AWS_LAMBDA_LOG_LEVEL"), Level.INFO);
    /** What {@code service} every line and metric names: the stack (POWERTOOLS_SERVICE_NAME, as Powertools reads it). */
    private static final String SERVICE = serviceName();
    private static final AtomicBoolean FIRST_INVOCATION = new AtomicBoolean(true);
    private static final Map<String, Object> CONTEXT = new ConcurrentHashMap<>();
    private static volatile PrintStream out = System.out;

    private JsonLog() {
    }

    /**
     * Starts an invocation's context (the previous one's export fields go): request id, function name
     * and version, trace id, and {@code cold_start}, true on the first invocation of this execution
     * environment only (a fresh start or a SnapStart restore). Returns that flag.
     */
    public static boolean beginInvocation(Context context) {
        boolean cold = FIRST_INVOCATION.getAndSet(false);
        CONTEXT.clear();
        put("function_name", context.getFunctionName());
        put("function_version", context.getFunctionVersion());
        put("function_request_id", context.getAwsRequestId());
        put("cold_start", cold);
        put("xray_trace_id", traceId());
        return cold;
    }

    /** Adds a field to every line of this invocation from now on (null removes it). */
    public static void put(String key, Object value) {
        if (value == null || (value instanceof String text && text.isEmpty())) {
            CONTEXT.remove(key);
        } else {
            CONTEXT.put(key, value);
        }
    }

    /** The service every line names (the stack's name when deployed). */
    public static String service() {
        return SERVICE;
    }

    /**
     * The X-Ray trace id of the running invocation ({@code Root=} of the trace header), as the Lambda
     * Java runtime gives it: the system property {@code com.amazonaws.xray.traceHeader}, set per
     * invocation, else the environment variable {@code _X_AMZN_TRACE_ID}. Null outside a traced invocation.
     */
    public static String traceId() {
        String header = System.getProperty("com.amazonaws.xray.traceHeader");
        if (header == null || header.isEmpty()) {
            header = System.getenv("_X_AMZN_TRACE_ID");
        }
        if (header == null) {
            return null;
        }
        for (String part : header.split(";")) {
            if (part.startsWith("Root=")) {
                return part.substring("Root=".length());
            }
        }
        return null;
    }

    public static void info(String message, Object... keyValues) {
        log(Level.INFO, message, null, keyValues);
    }

    public static void warn(String message, Object... keyValues) {
        log(Level.WARN, message, null, keyValues);
    }

    public static void error(String message, Throwable cause, Object... keyValues) {
        log(Level.ERROR, message, cause, keyValues);
    }

    /** A line at any level (the SLF4J lines of the libraries come here). */
    public static void log(Level level, String message, Throwable cause, Object... keyValues) {
        if (!enabled(level)) {
            return;
        }
        ObjectNode line = start(level.name(), message);
        for (int i = 0; i + 1 < keyValues.length; i += 2) {
            line.set(String.valueOf(keyValues[i]), Json.MAPPER.valueToTree(keyValues[i + 1]));
        }
        if (cause != null) {
            line.put("error_type", cause.getClass().getName());
            line.put("error_message", String.valueOf(cause.getMessage()));
            if (cause.getCause() != null) {
                line.put("error_cause", cause.getCause().toString());
            }
        }
        out.println(line);
    }

    public static boolean enabled(Level level) {
        return level.compareTo(THRESHOLD) >= 0;
    }

    /**
     * A CloudWatch Embedded Metric Format document (as the EMF library serialised it) with the
     * invocation's context added: CloudWatch extracts the metrics, the other keys stay searchable.
     */
    public static void metrics(ObjectNode emf) {
        ObjectNode line = start("INFO", "metrics");
        line.setAll(emf);
        out.println(line);
    }

    /** For tests that check what is (and is not) logged. */
    public static void redirect(PrintStream stream) {
        out = stream;
    }

    private static ObjectNode start(String level, String message) {
        ObjectNode line = Json.MAPPER.createObjectNode();
        line.put("timestamp", Instant.now().toString());
        line.put("level", level);
        line.put("message", message);
        line.put("service", SERVICE);
        CONTEXT.forEach((key, value) -> line.set(key, Json.MAPPER.valueToTree(value)));
        return line;
    }

    static Level level(String name, Level otherwise) {
        if (name == null || name.isBlank()) {
            return otherwise;
        }
        try {
            return Level.valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return otherwise;
        }
    }

    private static String serviceName() {
        String name = System.getenv("POWERTOOLS_SERVICE_NAME");
        return name == null || name.isBlank() ? "onboarding-export" : name;
    }
}
