package com.onboardingexport.it.local;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.onboardingexport.local.gateway.LocalApi;
import com.onboardingexport.local.run.LocalRun;
import com.onboardingexport.local.template.ProjectRoot;
import com.onboardingexport.shared.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * What an operator's CloudWatch would hold after a few exports through the local run (each function a
 * JVM of its own, started cold, with the template's environment and logging settings): one background
 * export followed to its end, then a synchronous one and one that finds no data, all as the admin.
 * Every line the functions printed is kept, by function.
 */
public final class ObservedRun {
    public static final List<String> FUNCTIONS = List.of("AuthorizerFunction", "ExportFunction", "ExportWorkerFunction");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /**
     * The background export's id, each function's lines (as printed, without the local run's prefix), and
     * what no line may hold: the caller's JWT, the Strapi API token and the links the answers carried.
     */
    public record Story(String asyncExportId, Map<String, List<String>> linesByFunction, List<String> secrets,
                        List<String> xrayDatagrams, List<JsonNode> xrayDocuments) {
        /** The lines that parse as JSON objects, of one function. */
        public List<JsonNode> json(String function) {
            List<JsonNode> parsed = new ArrayList<>();
            for (String line : linesByFunction.getOrDefault(function, List.of())) {
                JsonNode node = parse(line);
                if (node != null && node.isObject()) {
                    parsed.add(node);
                }
            }
            return parsed;
        }

        /** The Embedded Metric Format documents every function wrote. */
        public List<JsonNode> metricDocuments() {
            List<JsonNode> documents = new ArrayList<>();
            linesByFunction.keySet().forEach(function -> json(function).stream().filter(l -> l.has("_aws")).forEach(documents::add));
            return documents;
        }
    }

    private ObservedRun() {
    }

    public static Story run() throws Exception {
        List<String> lines = new CopyOnWriteArrayList<>();
        String exportId;
        List<String> secrets = new ArrayList<>();
        // The functions send their subsegments to a stand-in for the X-Ray daemon, as to Lambda's.
        XRayDaemonStandIn daemon = new XRayDaemonStandIn();
        System.setProperty(LocalApi.XRAY_DAEMON_PROPERTY, daemon.address());
        try (daemon; LocalRun run = LocalRun.start(ProjectRoot.find().resolve("template.yaml"), 0, 0, line -> {
            lines.add(line);
            System.out.println(line);
        })) {
            String jwt = run.login(LocalRun.ADMIN);
            secrets.add(jwt);
            secrets.add(run.strapi().apiToken());
            URI exports = run.api().url().resolve("/exports/onboarding");
            HttpResponse<String> started = post(exports, jwt, "{\"date_range\":\"all_time\",\"mode\":\"async\"}");
            assertEquals(202, started.statusCode(), started.body());
            JsonNode accepted = Json.MAPPER.readTree(started.body());
            exportId = accepted.path("export_id").asText();
            URI status = URI.create(accepted.path("status_url").asText());
            String state = "running";
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while ("running".equals(state) && System.nanoTime() < deadline) {
                Thread.sleep(250);
                state = Json.MAPPER.readTree(HTTP.send(HttpRequest.newBuilder(status).header("Authorization", "Bearer " + jwt).build(),
                        HttpResponse.BodyHandlers.ofString()).body()).path("status").asText();
            }
            assertEquals("succeeded", state);
            HttpResponse<String> sync = post(exports, jwt, LocalRun.FIRST_EXPORT);
            assertEquals(200, sync.statusCode(), sync.body());
            String link = Json.MAPPER.readTree(sync.body()).path("download_url").asText();
            secrets.add(link.substring(link.indexOf("X-Amz-Signature=")));
            HttpResponse<String> none = post(exports, jwt, "{\"date_range\":\"2001-01-01/2001-01-02\"}");
            assertEquals(404, none.statusCode(), none.body());
        } finally {
            System.clearProperty(LocalApi.XRAY_DAEMON_PROPERTY);
        }
        Map<String, List<String>> byFunction = new TreeMap<>();
        for (String line : lines) {
            for (String function : FUNCTIONS) {
                String prefix = "[" + function + "] ";
                if (line.startsWith(prefix)) {
                    byFunction.computeIfAbsent(function, f -> new ArrayList<>()).add(line.substring(prefix.length()));
                }
            }
        }
        return new Story(exportId, byFunction, List.copyOf(secrets), daemon.datagrams(), daemon.documents());
    }

    private static JsonNode parse(String line) {
        try {
            return Json.MAPPER.readTree(line);
        } catch (java.io.IOException e) {
            return null;
        }
    }

    private static HttpResponse<String> post(URI exports, String jwt, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(exports).header("Authorization", "Bearer " + jwt)
                .header("Content-Type", "application/json").timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
