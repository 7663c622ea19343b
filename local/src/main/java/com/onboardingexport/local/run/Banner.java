package com.onboardingexport.local.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.onboardingexport.local.gateway.LocalApiExplorer;
import com.onboardingexport.local.gateway.LocalOpenApi;
import com.onboardingexport.local.services.LocalStrapi;
import com.onboardingexport.local.template.LocalApiTemplate;
import com.onboardingexport.shared.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * What the local run prints once it runs: a first export through the local API (its link checked),
 * then the URLs, the API explorer with an admin's token, ready-to-paste curl commands with real
 * tokens, and how to fire each schedule of the template and read the exports' events.
 */
final class Banner {
    private final LocalRun run;

    Banner(LocalRun run) {
        this.run = run;
    }

    /** A first export that worked: its answer (or final status) and the size of the file its link downloaded. */
    private record FirstExport(JsonNode answer, int downloadStatus, int downloadBytes) {
    }

    /** Runs a first export through the API, then prints what is running and how to call it. 0 if it worked. */
    int print(Consumer<String> out) throws IOException, InterruptedException {
        URI exports = run.api().url().resolve("/exports/onboarding");
        String adminJwt = run.login(LocalRun.ADMIN);
        String clientJwt = run.login(LocalRun.CLIENT_A);
        out.accept("");
        out.accept("First export through the local API (POST " + exports + " as " + LocalRun.ADMIN + ") ...");
        Optional<FirstExport> first = firstExport(exports, adminJwt, out);
        if (first.isEmpty()) {
            return 1;
        }
        String rule = "=".repeat(100);
        out.accept(rule);
        printParts(exports, adminJwt, out);
        JsonNode body = first.get().answer();
        String link = body.path("download_url").asText();
        out.accept("First export: " + body.path("record_count").asInt() + " rows, " + body.path("filename").asText()
                + ", link downloads (HTTP " + first.get().downloadStatus() + ", " + first.get().downloadBytes() + " bytes), expires "
                + body.path("expires_at").asText() + ":");
        out.accept("  " + link);
        out.accept("");
        out.accept("Export as " + LocalRun.ADMIN + " (every campaign, CSV):");
        out.accept(curl(exports, adminJwt, LocalRun.FIRST_EXPORT));
        out.accept("");
        out.accept("Export as " + LocalRun.CLIENT_A + " (its own client's campaigns only, JSON):");
        out.accept(curl(exports, clientJwt, "{\"date_range\":\"all_time\",\"file_format\":\"json\"}"));
        out.accept("");
        printSchedules(out);
        out.accept("A fresh token: curl -s -X POST " + run.strapi().url() + "/api/auth/local -H 'Content-Type: application/json' -d '{\"identifier\":\""
                + LocalRun.CLIENT_A + "\",\"password\":\"" + LocalStrapi.DEV_PASSWORD + "\"}'");
        out.accept(rule);
        return 0;
    }

    /** The first export as a caller makes it (waiting for the worker when it goes to the background), and its link downloaded. */
    private Optional<FirstExport> firstExport(URI exports, String adminJwt, Consumer<String> out) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(exports)
                .header("Authorization", "Bearer " + adminJwt)
                .header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofString(LocalRun.FIRST_EXPORT)).build(), HttpResponse.BodyHandlers.ofString());
        JsonNode body = parse(answer.body());
        if (answer.statusCode() == 202 && body != null) {
            // A large seed (SEED_RESPONSES): the export went to the worker; wait for it as a caller would.
            out.accept("  ... " + body.path("status_url").asText() + " answers running; the worker exports in the background");
            body = awaitFinished(http, URI.create(body.path("status_url").asText()), adminJwt);
        }
        String link = body == null ? null : body.path("download_url").asText(null);
        if ((answer.statusCode() != 200 && answer.statusCode() != 202) || link == null) {
            out.accept("[local] FAILED: the first export answered " + answer.statusCode() + ": " + (body == null ? answer.body() : body));
            run.api().initErrors().forEach((id, error) -> out.accept("[local] " + id + " cannot load its handler: " + error));
            run.api().functionErrors().forEach(error -> out.accept("[local] " + error));
            return Optional.empty();
        }
        HttpResponse<byte[]> download = http.send(HttpRequest.newBuilder(URI.create(link)).timeout(Duration.ofSeconds(30)).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
        if (download.statusCode() != 200) {
            out.accept("[local] FAILED: the download link answered " + download.statusCode() + ": " + new String(download.body()));
            return Optional.empty();
        }
        return Optional.of(new FirstExport(body, download.statusCode(), download.body().length));
    }

    /** The API, the API explorer with an admin's token, Strapi and the dev users. */
    private void printParts(URI exports, String adminJwt, Consumer<String> out) {
        out.accept("onboarding-export runs locally (no Docker). Ctrl-C stops everything.");
        out.accept("");
        out.accept("  API (as sam local start-api, stage " + run.api().stage() + " not in the path):  " + run.api().url());
        out.accept("      POST " + exports + "    GET " + exports + "/{export_id}");
        out.accept("      browsers may call it and fetch the download links from " + (run.corsOrigins().isBlank() ? "no origin" : run.corsOrigins())
                + " (CORS; --cors-origins / CORS_ALLOWED_ORIGINS)");
        out.accept("  API explorer (Swagger UI on " + run.api().url().resolve(LocalOpenApi.PATH) + ", no token to open): "
                + run.api().url().resolve(LocalApiExplorer.PATH));
        out.accept("      Authorize there with this token of " + LocalRun.ADMIN + ", then Try it out:");
        out.accept("      " + adminJwt);
        out.accept("  Strapi (dev, seeded, fresh database):                   " + run.strapi().url());
        out.accept("  Dev users, password " + LocalStrapi.DEV_PASSWORD + ": " + LocalRun.ADMIN + ", " + LocalRun.CLIENT_A + ", client-b@onboarding.test");
        out.accept("");
    }

    /** Polls a background export's status until it is no longer running (at most 15 minutes, the worker's own limit). */
    private static JsonNode awaitFinished(HttpClient http, URI statusUrl, String jwt) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(15).toNanos();
        JsonNode status = null;
        while (System.nanoTime() < deadline) {
            HttpResponse<String> answer = http.send(HttpRequest.newBuilder(statusUrl).header("Authorization", "Bearer " + jwt)
                    .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
            status = parse(answer.body());
            if (answer.statusCode() != 200 || status == null || !"running".equals(status.path("status").asText())) {
                return status;
            }
            Thread.sleep(1_000);
        }
        return status;
    }

    /** How to fire each schedule of the template now, and where its export's event lands. */
    private void printSchedules(Consumer<String> out) throws IOException {
        LocalApiTemplate spec = LocalApiTemplate.read(run.template(), run.parameters(), run.resourceNames());
        String credentials = "AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_DEFAULT_REGION=" + LocalApiTemplate.REGION;
        // One tick, as the Scheduler fills in its input: the time this run started, to the minute.
        String tick = java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MINUTES).toString();
        for (LocalApiTemplate.Schedule schedule : spec.schedules()) {
            out.accept("Fire the schedule " + schedule.name() + " for its tick at " + tick
                    + " (as EventBridge Scheduler would; AWS CLI v2: add --cli-binary-format raw-in-base64-out):");
            out.accept("  " + credentials + " aws lambda invoke --endpoint-url " + run.api().lambdaEndpoint() + " --function-name "
                    + spec.function(schedule.functionId()).functionName() + " --payload '"
                    + schedule.input().replace("<aws.scheduler.scheduled-time>", tick) + "' /dev/stdout");
            out.accept("  (The same command again repeats that tick: one export answers both. Another scheduled_time is another tick.)");
        }
        out.accept("The exports' events (source onboarding-export), as a rule on the stack's bus " + run.eventBusName() + " delivers them to a queue:");
        out.accept("  " + credentials + " aws sqs receive-message --endpoint-url " + run.moto().endpoint() + " --queue-url " + run.eventsQueue().url()
                + " --max-number-of-messages 10");
        out.accept("");
    }

    private static String curl(URI url, String jwt, String body) {
        return "curl -s -X POST " + url + " \\\n  -H 'Authorization: Bearer " + jwt + "' \\\n  -H 'Content-Type: application/json' -d '"
                + body + "'";
    }

    private static JsonNode parse(String text) {
        try {
            return Json.MAPPER.readTree(text);
        } catch (IOException e) {
            return null;
        }
    }

}
