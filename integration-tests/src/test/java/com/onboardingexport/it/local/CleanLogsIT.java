package com.onboardingexport.it.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.onboardingexport.local.run.LocalRun;
import com.onboardingexport.local.template.ProjectRoot;
import com.onboardingexport.shared.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * What the functions print on their own, read from the local run's function JVMs (each started as
 * Lambda would, on its CodeUri's and the layer's jars only): no SLF4J complaint on a cold start or
 * while they work. The AWS SDK logs through slf4j-api; the layer's JSON provider (JsonSlf4jProvider) binds it.
 */
class CleanLogsIT {
    private static final List<String> FUNCTIONS = List.of("AuthorizerFunction", "ExportFunction", "ExportWorkerFunction");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    @DisplayName("No SLF4J line from any function: cold starts of the authorizer, the export API and the worker, a sync and a background export")
    void noSlf4jWarnings() throws Exception {
        List<String> lines = new CopyOnWriteArrayList<>();
        try (LocalRun run = LocalRun.start(ProjectRoot.find().resolve("template.yaml"), 0, 0, line -> {
            lines.add(line);
            System.out.println(line);
        })) {
            String jwt = run.login(LocalRun.ADMIN);
            URI exports = run.api().url().resolve("/exports/onboarding");
            HttpResponse<String> sync = post(exports, jwt, LocalRun.FIRST_EXPORT);
            assertEquals(200, sync.statusCode(), sync.body());

            HttpResponse<String> started = post(exports, jwt, "{\"date_range\":\"all_time\",\"mode\":\"async\"}");
            assertEquals(202, started.statusCode(), started.body());
            URI status = URI.create(Json.MAPPER.readTree(started.body()).path("status_url").asText());
            String state = "running";
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while ("running".equals(state) && System.nanoTime() < deadline) {
                Thread.sleep(250);
                state = Json.MAPPER.readTree(HTTP.send(HttpRequest.newBuilder(status).header("Authorization", "Bearer " + jwt).build(),
                        HttpResponse.BodyHandlers.ofString()).body()).path("status").asText();
            }
            assertEquals("succeeded", state);
            for (String function : FUNCTIONS) {
                assertTrue(run.api().invocations(function) > 0, function + " was not invoked");
            }
        }
        // Each function's JVM printed something (its audit or start lines), so its output really is read here.
        for (String function : FUNCTIONS) {
            assertTrue(lines.stream().anyMatch(line -> line.startsWith("[" + function + "] ")), "nothing read from " + function);
        }
        assertEquals(List.of(), lines.stream().filter(line -> line.contains("SLF4J")).toList());
    }

    private static HttpResponse<String> post(URI exports, String jwt, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(exports).header("Authorization", "Bearer " + jwt)
                .header("Content-Type", "application/json").timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
