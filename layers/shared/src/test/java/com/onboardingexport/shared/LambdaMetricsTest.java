package com.onboardingexport.shared;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import software.amazon.lambda.powertools.metrics.model.MetricUnit;

/**
 * The lines of two invocations of one execution environment, as CloudWatch would read them: every
 * line JSON with the invocation's context, a library's SLF4J warning too, and one ColdStart metric,
 * on the first invocation only. The order of the steps matters (the first invocation of this JVM),
 * so it is one test.
 */
class LambdaMetricsTest {
    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();

    @BeforeEach
    void capture() {
        JsonLog.redirect(new PrintStream(captured, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        JsonLog.redirect(System.out);
    }

    @Test
    @DisplayName("priming, then two invocations: context on every line (reader threads and SLF4J too), ColdStart only on the first, EMF with Service")
    void twoInvocations() throws Exception {
        LambdaMetrics.prime(); // SnapStart priming before the snapshot: writes nothing, and the first invocation stays cold
        LambdaMetrics.beginInvocation(new FakeContext("req-1"));
        JsonLog.put("export_id", "e-1");
        JsonLog.info("first");
        Thread reader = new Thread(() -> JsonLog.info("from a reader thread"));
        reader.start();
        reader.join();
        LoggerFactory.getLogger("software.amazon.awssdk.Example").warn("sdk says {}", "careful");
        LoggerFactory.getLogger("software.amazon.awssdk.Example").debug("wire detail");
        LambdaMetrics.flush(List.of(Map.of("Outcome", "succeeded")), metrics -> metrics.addMetric("Exports", 1, MetricUnit.COUNT));
        LambdaMetrics.beginInvocation(new FakeContext("req-2"));
        JsonLog.info("second");

        List<JsonNode> lines = new ArrayList<>();
        for (String line : captured.toString(StandardCharsets.UTF_8).split("\n")) {
            lines.add(Json.MAPPER.readTree(line)); // every line is one JSON object
        }
        List<String> messages = lines.stream().map(l -> l.path("message").asText()).toList();
        assertEquals(List.of("metrics", "first", "from a reader thread", "sdk says careful", "metrics", "second"), messages);

        JsonNode coldStart = lines.get(0);
        assertEquals(1, coldStart.path("ColdStart").asInt());
        assertEquals("OnboardingExport", coldStart.at("/_aws/CloudWatchMetrics/0/Namespace").asText());
        assertEquals("[[\"Service\"],[\"Service\",\"FunctionName\"]]", coldStart.at("/_aws/CloudWatchMetrics/0/Dimensions").toString());
        assertEquals("onboarding-export", coldStart.path("Service").asText());
        assertEquals("onboarding-export-local-export", coldStart.path("FunctionName").asText());
        assertEquals(1, lines.stream().filter(l -> l.has("ColdStart")).count(), "ColdStart on the first invocation only");

        for (JsonNode line : lines.subList(1, 4)) {
            assertEquals("req-1", line.path("function_request_id").asText(), line.toString());
            assertEquals("e-1", line.path("export_id").asText(), line.toString());
            assertTrue(line.path("cold_start").asBoolean(), line.toString());
            assertEquals("onboarding-export-local-export", line.path("function_name").asText());
            assertEquals("7", line.path("function_version").asText());
        }
        assertEquals("WARN", lines.get(3).path("level").asText());
        assertEquals("software.amazon.awssdk.Example", lines.get(3).path("logger").asText());

        JsonNode exports = lines.get(4);
        assertEquals("[[\"Service\"],[\"Service\",\"Outcome\"]]", exports.at("/_aws/CloudWatchMetrics/0/Dimensions").toString());
        assertEquals("Exports", exports.at("/_aws/CloudWatchMetrics/0/Metrics/0/Name").asText());

        JsonNode second = lines.get(5);
        assertEquals("req-2", second.path("function_request_id").asText());
        assertFalse(second.path("cold_start").asBoolean());
        assertFalse(second.has("export_id"), "the previous invocation's export id is gone");
    }

    private record FakeContext(String requestId) implements Context {
        @Override public String getAwsRequestId() { return requestId; }
        @Override public String getLogGroupName() { return "/aws/lambda/onboarding-export-local-export"; }
        @Override public String getLogStreamName() { return "stream"; }
        @Override public String getFunctionName() { return "onboarding-export-local-export"; }
        @Override public String getFunctionVersion() { return "7"; }
        @Override public String getInvokedFunctionArn() { return "arn:aws:lambda:us-east-1:123456789012:function:onboarding-export-local-export:live"; }
        @Override public CognitoIdentity getIdentity() { return null; }
        @Override public ClientContext getClientContext() { return null; }
        @Override public int getRemainingTimeInMillis() { return 30_000; }
        @Override public int getMemoryLimitInMB() { return 1024; }
        @Override public LambdaLogger getLogger() { return null; }
    }
}
