package com.onboardingexport.shared;

import com.amazonaws.xray.AWSXRayRecorder;
import com.amazonaws.xray.AWSXRayRecorderBuilder;
import com.amazonaws.xray.config.DaemonConfiguration;
import com.amazonaws.xray.emitters.Emitter;
import com.amazonaws.xray.entities.FacadeSegment;
import com.amazonaws.xray.entities.Segment;
import com.amazonaws.xray.entities.Subsegment;
import com.amazonaws.xray.entities.SubsegmentImpl;
import com.amazonaws.xray.entities.TraceHeader;
import com.amazonaws.xray.strategy.IgnoreErrorContextMissingStrategy;
import com.amazonaws.xray.strategy.sampling.AllSamplingStrategy;

/**
 * X-Ray subsegments of the running invocation (the Strapi reads, the S3 upload, the worker hand-over),
 * written with the AWS X-Ray SDK for Java's core (no AspectJ, no instrumentor) and sent to the X-Ray
 * daemon Lambda runs next to the function ({@code AWS_XRAY_DAEMON_ADDRESS}).
 *
 * <p>Each span hangs directly under the function's segment, whose id is the {@code Parent} of the
 * invocation's trace header (the system property {@code com.amazonaws.xray.traceHeader}, else
 * {@code _X_AMZN_TRACE_ID}), as the SDK's Lambda context does; but not through the SDK's thread-local
 * context, because the Strapi pages are read on pool threads and an upload runs across the export's
 * writes: a span is an object its code opens and closes, on any thread. Without a sampled trace header
 * or a daemon address (tests, the local run unless asked) a span is a no-op: no recorder, no socket, no log.
 */
public final class Traces {
    private static final String TRACE_PROPERTY = "com.amazonaws.xray.traceHeader";
    private static final Span OFF = new Span(null);
    /** One warning per environment, not one per Strapi page. */
    private static volatile boolean warned;

    private Traces() {
    }

    /** A span named {@code name}, started now; close it (try-with-resources) to send it. */
    public static Span open(String name) {
        String daemon = System.getenv("AWS_XRAY_DAEMON_ADDRESS");
        String header = System.getProperty(TRACE_PROPERTY);
        if (header == null || header.isEmpty()) {
            header = System.getenv("_X_AMZN_TRACE_ID");
        }
        if (daemon == null || daemon.isEmpty() || header == null || header.isEmpty()) {
            return OFF;
        }
        try {
            TraceHeader trace = TraceHeader.fromString(header);
            if (trace.getRootTraceId() == null || trace.getParentId() == null
                    || trace.getSampled() != TraceHeader.SampleDecision.SAMPLED) {
                return OFF;
            }
            AWSXRayRecorder recorder = Recorder.INSTANCE;
            FacadeSegment function = new FacadeSegment(recorder, trace.getRootTraceId(), trace.getParentId(), trace.getSampled());
            SubsegmentImpl span = new SubsegmentImpl(recorder, name, function);
            span.setParent(function);
            return new Span(span);
        } catch (RuntimeException | LinkageError e) {
            // A trace is never worth a failed request: the work goes on, untraced.
            failed(e);
            return OFF;
        }
    }

    private static void failed(Throwable e) {
        if (!warned) {
            warned = true;
            JsonLog.warn("tracing failed; going on without subsegments", "error", e.toString());
        }
    }

    /**
     * SnapStart priming: builds a recorder of its own whose emitter sends nothing, then opens, annotates,
     * fails and ends a span of a made-up trace and serialises it as the emitter would, so the SDK's classes
     * and Jackson paths are in the snapshot. The span is ended (nothing half-open is left in the snapshot),
     * nothing is sent, and the real recorder, with its socket, is still built after the restore.
     *
     * @return the span's document, as it would have gone to the daemon
     */
    public static String prime() {
        AWSXRayRecorder recorder = AWSXRayRecorderBuilder.standard()
                .withSamplingStrategy(new AllSamplingStrategy())
                .withContextMissingStrategy(new IgnoreErrorContextMissingStrategy())
                .withEmitter(new Emitter() {
                    @Override
                    public boolean sendSegment(Segment segment) {
                        return false;
                    }

                    @Override
                    public boolean sendSubsegment(Subsegment subsegment) {
                        return false;
                    }
                })
                .build();
        TraceHeader trace = TraceHeader.fromString("Root=1-00000000-000000000000000000000000;Parent=0000000000000000;Sampled=1");
        FacadeSegment function = new FacadeSegment(recorder, trace.getRootTraceId(), trace.getParentId(), trace.getSampled());
        SubsegmentImpl span = new SubsegmentImpl(recorder, "Priming", function);
        span.setParent(function);
        Span primed = new Span(span).annotate("path", "priming").annotate("http_status", 200);
        primed.fail(new IllegalStateException("priming"));
        span.end();
        new DaemonConfiguration(); // the real emitter's configuration class (reads the environment only)
        return span.streamSerialize();
    }

    /** Builds the recorder (and its UDP emitter) once, on the first traced span: untraced runs never pay for it. */
    private static final class Recorder {
        static final AWSXRayRecorder INSTANCE = AWSXRayRecorderBuilder.standard()
                // The trace header carries Lambda's sampling decision: no sampling rules to fetch or read.
                .withSamplingStrategy(new AllSamplingStrategy())
                .withContextMissingStrategy(new IgnoreErrorContextMissingStrategy())
                .build();
    }

    /** One subsegment; every method does nothing when tracing is off. */
    public static final class Span implements AutoCloseable {
        private final Subsegment subsegment;

        private Span(Subsegment subsegment) {
            this.subsegment = subsegment;
        }

        /** An indexed annotation (searchable in X-Ray): never a token, a link or row data. */
        public Span annotate(String key, String value) {
            if (subsegment != null && value != null) {
                subsegment.putAnnotation(key, value);
            }
            return this;
        }

        public Span annotate(String key, long value) {
            if (subsegment != null) {
                subsegment.putAnnotation(key, value);
            }
            return this;
        }

        /** Marks the span failed: a fault (5xx, ours or the service's), with the exception's type and stack. */
        public void fail(Throwable error) {
            if (subsegment != null) {
                subsegment.addException(error);
                subsegment.setFault(true);
            }
        }

        /** Ends the span and sends it to the daemon (UDP, best effort: a lost datagram loses the span only). */
        @Override
        public void close() {
            if (subsegment != null) {
                try {
                    // The function's segment stays open (Lambda writes it), so end() never asks for a send:
                    // each subsegment is sent on its own, as the SDK's Lambda context does.
                    subsegment.end();
                    subsegment.getCreator().getEmitter().sendSubsegment(subsegment);
                } catch (RuntimeException e) {
                    failed(e);
                }
            }
        }
    }
}
