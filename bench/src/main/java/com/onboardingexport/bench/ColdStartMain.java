package com.onboardingexport.bench;

import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Run in a fresh JVM by {@link ColdStarts}: what the Lambda runtime does on a cold start, for one
 * handler class. Loads the class by name and builds it with its no-argument constructor (as Lambda
 * does: configuration from the environment), answers one event (the first answer), then a second
 * one, and prints:
 * <pre>
 * FIRST_ANSWER            right after the first answer (the parent times process start to this line)
 * TIMING {...}            what it measured inside
 * </pre>
 * Arguments: the handler class, and {@code stream} (a RequestStreamHandler; the event JSON in the
 * environment variable BENCH_EVENT), {@code api} (the export's typed handler, the same event read
 * with the Lambda runtime's serializers, {@link ApiInvoker}) or {@code authorizer} (a TOKEN
 * authorizer event built from BENCH_TOKEN and BENCH_METHOD_ARN). Nothing but Lambda's own interfaces is referenced here, so the
 * bare handler's run loads nothing of the functions.
 */
public final class ColdStartMain {
    private ColdStartMain() {
    }

    public static void main(String[] args) throws Exception {
        long mainEnteredMillis = System.currentTimeMillis();
        long mainEntered = System.nanoTime();
        String handlerClass = args[0];
        String kind = args[1];

        Object handler = Class.forName(handlerClass).getDeclaredConstructor().newInstance();
        long initDone = System.nanoTime();
        String first = invoke(handler, kind);
        long firstDone = System.nanoTime();
        System.out.println("FIRST_ANSWER");
        System.out.flush();
        String second = invoke(handler, kind);
        long secondDone = System.nanoTime();

        long jvmStartMillis = java.lang.management.ManagementFactory.getRuntimeMXBean().getStartTime();
        System.out.println("TIMING {\"jvm_to_main_ms\": " + (mainEnteredMillis - jvmStartMillis)
                + ", \"init_ms\": " + millis(mainEntered, initDone)
                + ", \"first_request_ms\": " + millis(initDone, firstDone)
                + ", \"second_request_ms\": " + millis(firstDone, secondDone)
                + ", \"first_answer\": " + quote(first)
                + ", \"second_answer\": " + quote(second) + "}");
        System.out.flush();
    }

    private static String invoke(Object handler, String kind) throws Exception {
        if ("authorizer".equals(kind)) {
            return AuthorizerInvoker.invoke(handler);
        }
        byte[] event = System.getenv("BENCH_EVENT").getBytes(StandardCharsets.UTF_8);
        if ("api".equals(kind)) {
            return ApiInvoker.invoke(handler, event);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ((RequestStreamHandler) handler).handleRequest(new ByteArrayInputStream(event), out,
                new BenchContext(Duration.ofSeconds(60)));
        return out.toString(StandardCharsets.UTF_8);
    }

    private static String quote(String text) {
        String shortText = text.length() > 300 ? text.substring(0, 300) : text;
        return "\"" + shortText.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", " ").replace("\r", " ") + "\"";
    }

    private static double millis(long fromNanos, long toNanos) {
        return Math.round((toNanos - fromNanos) / 10_000.0) / 100.0;
    }
}
