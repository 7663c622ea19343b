package com.onboardingexport.it.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.onboardingexport.it.local.ObservedRun;
import com.onboardingexport.local.template.CloudFormationYaml;
import com.onboardingexport.local.template.SamTemplate;
import com.onboardingexport.shared.Json;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The dashboard and the alarms of template.yaml against the metrics the code really emits: each
 * metric of the functions' namespace that a widget or an alarm names (its name and its dimension
 * names) is one that the Embedded Metric Format lines of real exports (through the local run:
 * background, synchronous, one without data, and every function's first invocation) declare. A
 * renamed metric or dimension would leave an empty graph and an alarm that never fires.
 */
class ObservabilityTemplateIT {
    private static final String NAMESPACE = "OnboardingExport";
    /** {@code SEARCH('{Namespace,Dim1,Dim2} MetricName="Name" ...', ...)} in a dashboard expression. */
    private static final Pattern SEARCH = Pattern.compile("SEARCH\\('\\{([^}]*)}[^']*MetricName=\"([^\"]+)\"");

    private static SamTemplate template;
    private static Set<String> emitted;

    @BeforeAll
    static void load() throws Exception {
        template = new SamTemplate(CloudFormationYaml.read(TemplateIT.projectRoot().resolve("template.yaml")));
        emitted = new TreeSet<>();
        for (JsonNode document : ObservedRun.run().metricDocuments()) {
            for (JsonNode directive : document.path("_aws").path("CloudWatchMetrics")) {
                for (JsonNode dimensions : directive.path("Dimensions")) {
                    for (JsonNode metric : directive.path("Metrics")) {
                        List<String> names = new ArrayList<>();
                        dimensions.forEach(d -> names.add(d.asText()));
                        emitted.add(key(directive.path("Namespace").asText(), metric.path("Name").asText(), names));
                    }
                }
            }
        }
    }

    @Test
    @DisplayName("the real exports emitted the export metrics by Service, Outcome and Mode, and ColdStart by Service and FunctionName")
    void theRunEmitted() {
        for (String metric : List.of("Exports", "ExportRows", "ExportBytes", "ExportSeconds")) {
            assertTrue(emitted.contains(key(NAMESPACE, metric, List.of("Service", "Outcome", "Mode"))), metric + " in " + emitted);
        }
        assertTrue(emitted.contains(key(NAMESPACE, "ColdStart", List.of("Service", "FunctionName"))), emitted.toString());
    }

    @Test
    @DisplayName("every metric of the namespace that the dashboard names is one the code emits")
    void dashboardNamesEmittedMetrics() throws IOException {
        JsonNode body = Json.MAPPER.readTree(placeholdersOut(template.resource("OperationsDashboard").path("Properties")
                .path("DashboardBody").path("Fn::Sub").asText()));
        List<String> named = new ArrayList<>();
        for (JsonNode widget : body.path("widgets")) {
            for (JsonNode metric : widget.path("properties").path("metrics")) {
                if (metric.path(0).isObject()) {
                    Matcher search = SEARCH.matcher(metric.path(0).path("expression").asText());
                    while (search.find()) {
                        List<String> parts = List.of(search.group(1).split(","));
                        named.add(key(parts.get(0).strip(), search.group(2), parts.subList(1, parts.size()).stream().map(String::strip).toList()));
                    }
                } else {
                    List<String> dimensions = new ArrayList<>();
                    for (int i = 2; i + 1 < metric.size() && metric.get(i).isTextual(); i += 2) {
                        dimensions.add(metric.get(i).asText());
                    }
                    named.add(key(metric.path(0).asText(), metric.path(1).asText(), dimensions));
                }
            }
        }
        List<String> ours = named.stream().filter(k -> k.startsWith(NAMESPACE + " ")).toList();
        assertTrue(ours.size() >= 5, "the dashboard shows the export metrics and cold starts: " + named);
        assertEquals(List.of(), ours.stream().filter(k -> !emitted.contains(k)).toList(), "named by the dashboard, never emitted; emitted: " + emitted);
    }

    @Test
    @DisplayName("every metric of the namespace that an alarm watches is one the code emits, and the alarms notify the alarm topic")
    void alarmsWatchEmittedMetrics() {
        List<String> watched = new ArrayList<>();
        for (String alarm : template.resourcesOfType("AWS::CloudWatch::Alarm")) {
            JsonNode properties = template.resource(alarm).path("Properties");
            List<JsonNode> metrics = new ArrayList<>();
            if (properties.has("MetricName")) {
                metrics.add(properties);
            }
            properties.path("Metrics").forEach(m -> {
                if (m.has("MetricStat")) {
                    metrics.add(m.path("MetricStat").path("Metric"));
                }
            });
            for (JsonNode metric : metrics) {
                List<String> dimensions = new ArrayList<>();
                metric.path("Dimensions").forEach(d -> dimensions.add(d.path("Name").asText()));
                if (NAMESPACE.equals(metric.path("Namespace").asText())) {
                    watched.add(key(NAMESPACE, metric.path("MetricName").asText(), dimensions));
                    assertEquals("[{\"Ref\":\"AlarmTopic\"}]", properties.path("AlarmActions").toString(), alarm);
                }
            }
        }
        assertFalse(watched.isEmpty(), "alarms on the export metrics");
        assertEquals(List.of(), watched.stream().filter(k -> !emitted.contains(k)).toList(), "watched by an alarm, never emitted; emitted: " + emitted);
    }

    /** A metric's identity: namespace, name and the set of its dimension names. */
    private static String key(String namespace, String name, List<String> dimensions) {
        return namespace + " " + name + " " + new TreeSet<>(dimensions);
    }

    /** The body with {@code ${...}} of the Sub replaced by a plain value, so that it parses as JSON. */
    private static String placeholdersOut(String sub) {
        return sub.replaceAll("\\$\\{[^}]+}", "resolved");
    }
}
