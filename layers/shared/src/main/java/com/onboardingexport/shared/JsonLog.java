package com.onboardingexport.shared;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.time.Instant;

/**
 * Structured logs: one JSON object per line on stdout, which Lambda sends to CloudWatch.
 * Callers pass key/value pairs; never pass a token, a secret or response data.
 */
public final class JsonLog {
    private static volatile PrintStream out = System.out;

    private JsonLog() {
    }

    public static void info(String message, Object... keyValues) {
        write("INFO", message, null, keyValues);
    }

    public static void warn(String message, Object... keyValues) {
        write("WARN", message, null, keyValues);
    }

    public static void error(String message, Throwable cause, Object... keyValues) {
        write("ERROR", message, cause, keyValues);
    }

    /**
     * A CloudWatch Embedded Metric Format document ({@code _aws} and the metric values), as a log
     * line like the others: CloudWatch extracts the metrics, the other keys stay searchable.
     */
    public static void metrics(String message, ObjectNode emf) {
        ObjectNode line = Json.MAPPER.createObjectNode();
        line.put("timestamp", Instant.now().toString());
        line.put("level", "INFO");
        line.put("message", message);
        line.setAll(emf);
        out.println(line);
    }

    /** For tests that check what is (and is not) logged. */
    public static void redirect(PrintStream stream) {
        out = stream;
    }

    private static void write(String level, String message, Throwable cause, Object... keyValues) {
        ObjectNode line = Json.MAPPER.createObjectNode();
        line.put("timestamp", Instant.now().toString());
        line.put("level", level);
        line.put("message", message);
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
}
