package com.onboardingexport.shared;

import com.amazonaws.services.lambda.runtime.Context;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import software.amazon.cloudwatchlogs.emf.environment.Environment;
import software.amazon.cloudwatchlogs.emf.environment.EnvironmentProvider;
import software.amazon.cloudwatchlogs.emf.environment.LambdaEnvironment;
import software.amazon.cloudwatchlogs.emf.model.MetricsContext;
import software.amazon.cloudwatchlogs.emf.sinks.ISink;
import software.amazon.lambda.powertools.metrics.Metrics;
import software.amazon.lambda.powertools.metrics.internal.EmfMetricsLogger;
import software.amazon.lambda.powertools.metrics.model.DimensionSet;
import software.amazon.lambda.powertools.metrics.model.MetricUnit;

/**
 * The functions' CloudWatch metrics, through Powertools for AWS Lambda (Java) Metrics used without
 * AspectJ: each call of {@link #flush} writes one Embedded Metric Format document, namespace
 * {@value #NAMESPACE}, every dimension set led by {@code Service} (the stack's name), as a log line.
 *
 * <p>Wired by hand in two places, on purpose: the EMF library's environment is fixed to Lambda (its
 * detection would otherwise probe the EC2 metadata address outside Lambda: in tests and the local
 * run), and its lines go through {@link JsonLog}, so they carry the invocation's context and tests
 * capture them with the other lines. One parent instance is kept and only ever used through
 * {@code flushMetrics}, which builds a fresh document each time: Powertools' request-scoped proxy
 * (MetricsFactory) keeps one instance per trace id and never drops those it does not flush itself.
 */
public final class LambdaMetrics {
    public static final String NAMESPACE = "OnboardingExport";
    public static final String SERVICE_DIMENSION = "Service";

    private static final Metrics METRICS = create();
    /** While priming: documents are built and serialised as for real, then dropped. */
    private static volatile boolean discard;

    private LambdaMetrics() {
    }

    /**
     * One EMF document: the metrics {@code add} puts, by {@code Service} alone (Powertools' default
     * dimension, which is a set of its own) and by each of the dimension sets given, each led by
     * {@code Service} too.
     */
    public static void flush(List<Map<String, String>> dimensionSets, Consumer<Metrics> add) {
        METRICS.flushMetrics(metrics -> {
            for (Map<String, String> set : dimensionSets) {
                DimensionSet dimensions = DimensionSet.of(SERVICE_DIMENSION, JsonLog.service());
                set.forEach(dimensions::addDimension);
                metrics.addDimension(dimensions);
            }
            add.accept(metrics);
        });
    }

    /**
     * The invocation's start: its log context, and on the first invocation of the execution
     * environment only, a {@code ColdStart} metric (1, Count) by Service and FunctionName.
     */
    public static void beginInvocation(Context context) {
        if (JsonLog.beginInvocation(context)) {
            flush(List.of(Map.of("FunctionName", String.valueOf(context.getFunctionName()))),
                    metrics -> metrics.addMetric("ColdStart", 1, MetricUnit.COUNT));
        }
    }

    /**
     * SnapStart priming: builds and serialises an export's metrics document as {@link #flush} does
     * (Powertools, the EMF library, their Jackson paths) and finds the SLF4J provider, so those classes
     * are in the snapshot; writes nothing, and leaves the first invocation (ColdStart) to come.
     */
    public static void prime() {
        discard = true;
        try {
            flush(List.of(Map.of("Outcome", "succeeded", "Mode", "sync"), Map.of("Outcome", "succeeded")), metrics -> {
                metrics.addMetric("Exports", 1, MetricUnit.COUNT);
                metrics.addMetric("ExportBytes", 1, MetricUnit.BYTES);
                metrics.addMetric("ExportSeconds", 1, MetricUnit.SECONDS);
                metrics.addMetadata("export_id", "priming");
            });
        } finally {
            discard = false;
        }
        org.slf4j.LoggerFactory.getLogger(LambdaMetrics.class).isWarnEnabled();
    }

    private static Metrics create() {
        Metrics metrics = new EmfMetricsLogger(new LambdaOnly(), new MetricsContext());
        metrics.setNamespace(NAMESPACE);
        // Also replaces the EMF library's own default dimensions (LogGroup, ServiceName, ServiceType).
        metrics.setDefaultDimensions(DimensionSet.of(SERVICE_DIMENSION, JsonLog.service()));
        return metrics;
    }

    /** The EMF library's Lambda environment, without detection, writing through JsonLog. */
    private static final class LambdaOnly extends EnvironmentProvider {
        private static final Environment LAMBDA = new LambdaEnvironment() {
            @Override
            public ISink getSink() {
                return SINK;
            }
        };
        private static final ISink SINK = new ISink() {
            @Override
            public void accept(MetricsContext context) {
                try {
                    for (String document : context.serialize()) {
                        if (discard) {
                            Json.MAPPER.readTree(document);
                            continue;
                        }
                        JsonLog.metrics((com.fasterxml.jackson.databind.node.ObjectNode) Json.MAPPER.readTree(document));
                    }
                } catch (java.io.IOException e) {
                    JsonLog.error("metrics not written", e);
                }
            }

            @Override
            public CompletableFuture<Void> shutdown() {
                return CompletableFuture.completedFuture(null);
            }
        };

        @Override
        public CompletableFuture<Environment> resolveEnvironment() {
            return CompletableFuture.completedFuture(LAMBDA);
        }

        @Override
        public Environment getDefaultEnvironment() {
            return LAMBDA;
        }
    }
}
