package com.onboardingexport.export.worker;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.onboardingexport.export.TestContext;
import com.onboardingexport.export.config.TestConfig;
import com.onboardingexport.shared.Json;
import com.onboardingexport.shared.JsonLog;
import com.onboardingexport.shared.StrapiClient;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * The worker's refusals, through {@code handleRequest} as Lambda calls it: an event it cannot run
 * fails before anything is read or written (the clients here point nowhere), with the log line and
 * the plain {@link IllegalArgumentException} Lambda reports.
 */
class ExportWorkerHandlerRefusalsTest {
    private static final URI NOWHERE = URI.create("http://127.0.0.1:1");
    private static final StaticCredentialsProvider CREDENTIALS = StaticCredentialsProvider.create(AwsBasicCredentials.create("a", "b"));

    private final ByteArrayOutputStream logs = new ByteArrayOutputStream();
    private final S3Client s3 = S3Client.builder().region(Region.EU_WEST_1).credentialsProvider(CREDENTIALS).endpointOverride(NOWHERE).build();
    private final S3Presigner presigner = S3Presigner.builder().region(Region.EU_WEST_1).credentialsProvider(CREDENTIALS).build();
    private final EventBridgeClient eventBridge = EventBridgeClient.builder().region(Region.EU_WEST_1).credentialsProvider(CREDENTIALS)
            .endpointOverride(NOWHERE).build();
    private final ExportWorkerHandler handler = new ExportWorkerHandler(
            TestConfig.builder().strapiUrl(NOWHERE.toString()).apiTokenSecretArn("secret").bucket("bucket").build(),
            new StrapiClient(NOWHERE, () -> "token", StrapiClient.defaultHttpClient(Duration.ofSeconds(1)), Duration.ofSeconds(1), 1),
            s3, presigner, eventBridge, Clock.systemUTC());

    @BeforeEach
    void captureLogs() {
        JsonLog.redirect(new PrintStream(logs, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restoreLogs() {
        JsonLog.redirect(System.out);
        s3.close();
        presigner.close();
        eventBridge.close();
    }

    private IllegalArgumentException refused(String event) {
        ByteArrayOutputStream answer = new ByteArrayOutputStream();
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> handler.handleRequest(
                new ByteArrayInputStream(event.getBytes(StandardCharsets.UTF_8)), answer, new TestContext("req-1", 60_000)));
        assertEquals(IllegalArgumentException.class, refused.getClass(), "the error type Lambda reports: " + refused.getClass());
        assertEquals(0, answer.size(), "no answer is written");
        return refused;
    }

    /** The lines of the handler's own (not the metrics') log. */
    private List<JsonNode> errorLines() throws JsonProcessingException {
        List<JsonNode> lines = new ArrayList<>();
        for (String line : logs.toString(StandardCharsets.UTF_8).split("\n")) {
            if (!line.isBlank()) {
                JsonNode node = Json.MAPPER.readTree(line);
                if ("ERROR".equals(node.path("level").asText())) {
                    lines.add(node);
                }
            }
        }
        return lines;
    }

    @Test
    @DisplayName("an unrecognised event: one ERROR line 'unrecognised event' with the request id, then IllegalArgumentException")
    void unrecognisedEvent() throws Exception {
        for (String event : new String[] {"{}", "null", "{\"scheduleName\": \"weekly\"}", ""}) {
            logs.reset();
            IllegalArgumentException refused = refused(event);
            List<JsonNode> errors = errorLines();
            assertAll(event,
                    () -> assertEquals("Unrecognised event: neither a background export nor a scheduled export", refused.getMessage()),
                    () -> assertEquals(null, refused.getCause()),
                    () -> assertEquals(1, errors.size(), errors.toString()),
                    () -> assertEquals("unrecognised event", errors.get(0).path("message").asText()),
                    () -> assertEquals("req-1", errors.get(0).path("request_id").asText()),
                    () -> assertTrue(errors.get(0).path("error_type").isMissingNode(), errors.get(0).toString()));
        }
    }

    @Test
    @DisplayName("a background_export that is not a job: one ERROR line with Jackson's error, then IllegalArgumentException")
    void notAJob() throws Exception {
        IllegalArgumentException refused = refused("{\"background_export\": \"not a job\"}");
        List<JsonNode> errors = errorLines();
        assertAll(
                () -> assertEquals("The background export event is not a job", refused.getMessage()),
                () -> assertEquals(null, refused.getCause()),
                () -> assertEquals(1, errors.size(), errors.toString()),
                () -> assertEquals("background export event is not a job", errors.get(0).path("message").asText()),
                () -> assertEquals("req-1", errors.get(0).path("request_id").asText()),
                () -> assertTrue(errors.get(0).path("error_type").asText().startsWith("com.fasterxml.jackson."), errors.get(0).toString()));
    }

    @Test
    @DisplayName("a tick with a malformed field: IllegalArgumentException naming it, and no 'unrecognised' line")
    void malformedTick() throws Exception {
        IllegalArgumentException refused = refused("{\"schedule_name\": \"weekly\", \"scheduled_time\": \"<aws.scheduler.scheduled-time>\"}");
        assertTrue(refused.getMessage().startsWith("scheduled_time must be an ISO-8601 time"), refused.getMessage());
        assertEquals(List.of(), errorLines());
    }

    @Test
    @DisplayName("an event that is not JSON fails as Jackson's parse error, as before")
    void notJson() {
        assertThrows(JsonProcessingException.class, () -> handler.handleRequest(
                new ByteArrayInputStream("{not json".getBytes(StandardCharsets.UTF_8)), new ByteArrayOutputStream(), new TestContext("req-2", 60_000)));
    }
}
