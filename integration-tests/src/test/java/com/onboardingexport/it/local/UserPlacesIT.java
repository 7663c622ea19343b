package com.onboardingexport.it.local;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.onboardingexport.local.gateway.LocalApi;
import com.onboardingexport.local.run.LocalRun;
import com.onboardingexport.local.template.ProjectRoot;
import com.onboardingexport.shared.Json;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The per-user limit with a deploy's own {@code MaxRunningExportsPerUser}, through the local run with
 * the functions wired as template.yaml wires them: the API function takes a user's places, the worker
 * gives them back, and both must count the same number of places.
 */
class UserPlacesIT {
    private static final Path TEMPLATE = ProjectRoot.find().resolve("template.yaml");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final String ASYNC = "{\"date_range\":\"all_time\",\"mode\":\"async\"}";
    private static LocalRun run;
    private static LocalApi api;
    private static String clientJwt;

    @BeforeAll
    static void start() throws Exception {
        run = LocalRun.start(TEMPLATE, 0, 0, System.out::println);
        api = LocalApi.start(run.apiConfig(TEMPLATE, 0, System.out::println, Map.of(), Map.of("MaxRunningExportsPerUser", "3")));
        clientJwt = run.login(LocalRun.CLIENT_A);
    }

    @AfterAll
    static void stop() {
        if (api != null) {
            api.close();
        }
        if (run != null) {
            run.close();
        }
    }

    private static HttpResponse<String> post(String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(api.url().resolve("/exports/onboarding"))
                .header("Authorization", "Bearer " + clientJwt).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String awaitFinished(String exportId) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        String status = "running";
        while ("running".equals(status) && System.nanoTime() < deadline) {
            Thread.sleep(300);
            HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(api.url().resolve("/exports/onboarding/" + exportId))
                    .header("Authorization", "Bearer " + clientJwt).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, answer.statusCode(), answer.body());
            status = Json.MAPPER.readTree(answer.body()).path("status").asText();
        }
        return status;
    }

    /** Starts n background exports one after another; every one must be accepted. */
    private static List<String> startAll(int n) throws Exception {
        List<Integer> statuses = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            HttpResponse<String> answer = post(ASYNC);
            statuses.add(answer.statusCode());
            JsonNode body = Json.MAPPER.readTree(answer.body());
            if (answer.statusCode() == 202) {
                ids.add(body.path("export_id").asText());
            }
        }
        assertEquals(java.util.Collections.nCopies(n, 202), statuses, n + " background exports with MaxRunningExportsPerUser at 3");
        return ids;
    }

    @Test
    @DisplayName("MaxRunningExportsPerUser 3: three background exports of one user end, then three more all start (202, 202, 202)")
    void everyPlaceComesBack() throws Exception {
        for (String id : startAll(3)) {
            assertEquals("succeeded", awaitFinished(id), id);
        }
        for (String id : startAll(3)) {
            assertEquals("succeeded", awaitFinished(id), id);
        }
    }
}
