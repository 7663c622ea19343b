package com.onboardingexport.local.lambda;

import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * X-Ray trace headers as API Gateway (with tracing on) and Lambda hand them on:
 * {@code Root=1-<epoch seconds, hex>-<24 hex>;Parent=<16 hex>;Sampled=1}. A new request starts a
 * trace; each invocation within it is a child: the same Root, a new Parent.
 */
public final class LocalTraceHeader {
    /** The HTTP header of the Invoke API (the AWS SDK adds it from within a traced function). */
    public static final String HEADER = "X-Amzn-Trace-Id";
    private static final SecureRandom RANDOM = new SecureRandom();

    private LocalTraceHeader() {
    }

    /** A new trace, sampled. */
    public static String start() {
        byte[] id = new byte[12];
        RANDOM.nextBytes(id);
        String root = "1-" + Long.toHexString(System.currentTimeMillis() / 1000) + "-" + HexFormat.of().formatHex(id);
        return "Root=" + root + ";Parent=" + parent() + ";Sampled=1";
    }

    /** A child of a caller's header (its Root and sampling, a new Parent); a new trace when there is none. */
    public static String child(String header) {
        String root = part(header, "Root");
        if (root == null) {
            return start();
        }
        String sampled = part(header, "Sampled");
        return "Root=" + root + ";Parent=" + parent() + ";Sampled=" + (sampled == null ? "1" : sampled);
    }

    private static String part(String header, String name) {
        if (header == null) {
            return null;
        }
        for (String part : header.split(";")) {
            if (part.startsWith(name + "=")) {
                return part.substring(name.length() + 1);
            }
        }
        return null;
    }

    private static String parent() {
        byte[] id = new byte[8];
        RANDOM.nextBytes(id);
        return HexFormat.of().formatHex(id);
    }
}
