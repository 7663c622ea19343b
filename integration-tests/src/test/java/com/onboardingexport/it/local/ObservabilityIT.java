package com.onboardingexport.it.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * One background export's story as an operator reads it in CloudWatch Logs, through the local run:
 * every line JSON with a request id, the export's id on the API function's and the worker's lines,
 * one X-Ray trace id from the authorizer through the API function to the worker (with the Strapi reads,
 * the S3 upload and the worker hand-over as subsegments of it), and a ColdStart metric on each
 * function's first invocation only.
 */
class ObservabilityIT {
    private static ObservedRun.Story story;

    @BeforeAll
    static void run() throws Exception {
        story = ObservedRun.run();
    }

    @Test
    @DisplayName("every line of the authorizer, the export API and the worker is one JSON object with a request id")
    void everyLineIsJsonWithARequestId() {
        for (String function : ObservedRun.FUNCTIONS) {
            // The JVM's own notice of the template's JAVA_TOOL_OPTIONS, before any code runs (Lambda's log shows it too).
            List<String> lines = story.linesByFunction().getOrDefault(function, List.of()).stream()
                    .filter(line -> !line.startsWith("Picked up JAVA_TOOL_OPTIONS: ")).toList();
            assertFalse(lines.isEmpty(), "nothing read from " + function);
            List<String> notJson = lines.stream().filter(line -> !line.startsWith("{")).toList();
            assertEquals(List.of(), notJson, function + ": lines that are not JSON");
            assertEquals(lines.size(), story.json(function).size(), function + ": every other line parses as one JSON object");
            List<JsonNode> withoutRequestId = new ArrayList<>();
            for (JsonNode line : story.json(function)) {
                // Lambda's init report belongs to no request; everything else does.
                boolean init = "platform.initReport".equals(line.path("type").asText());
                String requestId = line.has("function_request_id") ? line.path("function_request_id").asText()
                        : line.path("record").path("requestId").asText(line.path("AWSRequestId").asText(""));
                if (!init && requestId.isEmpty()) {
                    withoutRequestId.add(line);
                }
            }
            assertEquals(List.of(), withoutRequestId, function + ": lines without a request id");
        }
    }

    @Test
    @DisplayName("no line holds the caller's JWT, the Strapi API token or a link's signature")
    void noSecretInAnyLine() {
        for (String function : ObservedRun.FUNCTIONS) {
            for (String line : story.linesByFunction().getOrDefault(function, List.of())) {
                for (String secret : story.secrets()) {
                    assertFalse(line.contains(secret), function + " logged a secret: " + line);
                }
                assertFalse(line.contains("X-Amz-Signature"), function + " logged a link: " + line);
            }
        }
    }

    @Test
    @DisplayName("the export's id on the API function's and the worker's lines, and one trace id from the authorizer to the worker")
    void oneExportOneTrace() {
        String exportId = story.asyncExportId();
        List<JsonNode> api = story.json("ExportFunction").stream().filter(l -> exportId.equals(l.path("export_id").asText())).toList();
        List<JsonNode> worker = story.json("ExportWorkerFunction").stream().filter(l -> exportId.equals(l.path("export_id").asText())).toList();
        assertFalse(api.isEmpty(), "the API function's lines of " + exportId);
        assertFalse(worker.isEmpty(), "the worker's lines of " + exportId);
        assertTrue(worker.stream().anyMatch(l -> "export succeeded".equals(l.path("message").asText())), "the worker's audit line");

        // The POST that started it (the status reads after it are requests, and traces, of their own).
        List<JsonNode> post = api.stream().filter(l -> "export started".equals(l.path("message").asText())).toList();
        assertEquals(1, post.size(), "the API function's audit line of the start: " + api);
        String postRequest = post.get(0).path("function_request_id").asText();
        Set<String> apiTraces = traces(story.json("ExportFunction").stream()
                .filter(l -> postRequest.equals(l.path("function_request_id").asText())).toList());
        assertEquals(1, apiTraces.size(), "one trace on every line of the POST's invocation: " + apiTraces);
        String trace = apiTraces.iterator().next();
        assertNotNull(trace);
        assertTrue(trace.matches("1-[0-9a-f]{8}-[0-9a-f]{24}"), trace);
        assertEquals(Set.of(trace), traces(worker), "the worker's run is in the API request's trace");
        List<JsonNode> authorizer = story.json("AuthorizerFunction").stream()
                .filter(l -> trace.equals(l.path("xray_trace_id").asText())).toList();
        assertTrue(authorizer.stream().anyMatch(l -> "authorizer decision".equals(l.path("message").asText())),
                "the authorizer's decision in the same trace: " + story.json("AuthorizerFunction"));
        // Who, on every line of the export (the reader threads' included).
        for (JsonNode line : api) {
            assertEquals("admin", line.path("role").asText(), line.toString());
            assertFalse(line.path("user_id").asText().isEmpty(), line.toString());
            assertTrue(line.path("function_name").asText().endsWith("-export"), line.toString());
        }
    }

    @Test
    @DisplayName("a ColdStart metric on each function's first invocation only, and cold_start true on that invocation's lines only")
    void coldStartOnTheFirstInvocationOnly() {
        for (String function : ObservedRun.FUNCTIONS) {
            List<JsonNode> lines = story.json(function);
            List<JsonNode> coldStarts = lines.stream().filter(l -> l.has("ColdStart")).toList();
            assertEquals(1, coldStarts.size(), function + ": " + coldStarts);
            String firstRequest = coldStarts.get(0).path("function_request_id").asText();
            Set<String> requests = lines.stream().map(l -> l.path("function_request_id").asText()).filter(r -> !r.isEmpty())
                    .collect(Collectors.toSet());
            if (function.equals("ExportFunction")) {
                assertTrue(requests.size() >= 3, "the API function answered every request in one environment: " + requests);
            }
            for (JsonNode line : lines) {
                if (line.has("cold_start")) {
                    assertEquals(firstRequest.equals(line.path("function_request_id").asText()), line.path("cold_start").asBoolean(),
                            line.toString());
                }
            }
        }
    }

    @Test
    @DisplayName("X-Ray subsegments of the Strapi reads, the S3 upload and the worker hand-over, in the request's trace, under each function's segment")
    void subsegmentsInTheRequestsTrace() {
        String exportId = story.asyncExportId();
        JsonNode post = story.json("ExportFunction").stream()
                .filter(l -> exportId.equals(l.path("export_id").asText()) && "export started".equals(l.path("message").asText()))
                .findFirst().orElseThrow();
        String trace = post.path("xray_trace_id").asText();
        JsonNode workerLine = story.json("ExportWorkerFunction").stream()
                .filter(l -> exportId.equals(l.path("export_id").asText()) && "export succeeded".equals(l.path("message").asText()))
                .findFirst().orElseThrow();
        JsonNode authorizerLine = story.json("AuthorizerFunction").stream()
                .filter(l -> trace.equals(l.path("xray_trace_id").asText()) && "authorizer decision".equals(l.path("message").asText()))
                .findFirst().orElseThrow();
        // Each invocation's segment id: the Parent of the trace header Lambda gave it (its platform.start event).
        String apiSegment = segmentOf("ExportFunction", post.path("function_request_id").asText());
        String workerSegment = segmentOf("ExportWorkerFunction", workerLine.path("function_request_id").asText());
        String authorizerSegment = segmentOf("AuthorizerFunction", authorizerLine.path("function_request_id").asText());

        List<JsonNode> inTrace = story.xrayDocuments().stream().filter(d -> trace.equals(d.path("trace_id").asText())).toList();
        assertFalse(inTrace.isEmpty(), "subsegments of " + trace + " among " + story.xrayDocuments());
        for (JsonNode span : inTrace) {
            assertEquals("subsegment", span.path("type").asText(), span.toString());
            assertTrue(span.path("end_time").asDouble() >= span.path("start_time").asDouble(), span.toString());
            assertFalse(span.path("in_progress").asBoolean(false), span.toString());
        }
        JsonNode handOver = one(inTrace, "WorkerHandOver", apiSegment);
        assertEquals(202, handOver.path("annotations").path("http_status").asInt(), handOver.toString());
        JsonNode authorizerRead = one(inTrace, "Strapi", authorizerSegment);
        assertEquals(200, authorizerRead.path("annotations").path("http_status").asInt(), authorizerRead.toString());
        List<JsonNode> workerReads = inTrace.stream()
                .filter(d -> "Strapi".equals(d.path("name").asText()) && workerSegment.equals(d.path("parent_id").asText())).toList();
        assertFalse(workerReads.isEmpty(), "the worker's Strapi reads: " + inTrace);
        for (JsonNode read : workerReads) {
            assertEquals(200, read.path("annotations").path("http_status").asInt(), read.toString());
            assertFalse(read.path("annotations").path("path").asText().contains("?"), "a path, no query: " + read);
        }
        JsonNode upload = one(inTrace, "ExportUpload", workerSegment);
        assertEquals("stored", upload.path("annotations").path("outcome").asText(), upload.toString());
        assertTrue(upload.path("annotations").path("bytes").asLong() > 0, upload.toString());
        // The hand-over ends before the worker's run starts: the worker's spans come after it.
        double handedOver = handOver.path("start_time").asDouble();
        assertTrue(inTrace.stream().filter(d -> workerSegment.equals(d.path("parent_id").asText()))
                .allMatch(d -> d.path("start_time").asDouble() >= handedOver), inTrace.toString());

        // No datagram holds a token, a secret or a link.
        for (String datagram : story.xrayDatagrams()) {
            for (String secret : story.secrets()) {
                assertFalse(datagram.contains(secret), "a secret sent to X-Ray: " + datagram);
            }
            assertFalse(datagram.contains("X-Amz-Signature"), datagram);
        }
    }

    private static String segmentOf(String function, String requestId) {
        JsonNode start = story.json(function).stream()
                .filter(l -> "platform.start".equals(l.path("type").asText()) && requestId.equals(l.path("record").path("requestId").asText()))
                .findFirst().orElseThrow(() -> new AssertionError(function + " has no platform.start of " + requestId));
        String header = start.path("record").path("tracing").path("value").asText();
        for (String part : header.split(";")) {
            if (part.startsWith("Parent=")) {
                return part.substring("Parent=".length());
            }
        }
        throw new AssertionError("no Parent in " + header);
    }

    private static JsonNode one(List<JsonNode> spans, String name, String parent) {
        List<JsonNode> found = spans.stream()
                .filter(d -> name.equals(d.path("name").asText()) && parent.equals(d.path("parent_id").asText())).toList();
        assertEquals(1, found.size(), name + " under " + parent + ": " + spans);
        return found.get(0);
    }

    private static Set<String> traces(List<JsonNode> lines) {
        return lines.stream().map(l -> l.path("xray_trace_id").asText(null)).collect(Collectors.toSet());
    }
}
