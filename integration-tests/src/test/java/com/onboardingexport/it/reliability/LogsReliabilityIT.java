package com.onboardingexport.it.reliability;

import static com.onboardingexport.it.reliability.Reliability.PARTS;
import static com.onboardingexport.it.reliability.Reliability.ok;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayCustomAuthorizerEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.amazonaws.services.lambda.runtime.events.IamPolicyResponse;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import com.fasterxml.jackson.databind.JsonNode;
import com.onboardingexport.authorizer.AuthorizerHandler;
import com.onboardingexport.export.api.BackgroundInvoker;
import com.onboardingexport.export.api.ExportHandler;
import com.onboardingexport.it.RealParts;
import com.onboardingexport.it.export.ExportFixture;
import com.onboardingexport.local.faults.StrapiFaultProxy;
import com.onboardingexport.local.faults.StrapiFaultProxy.Fault;
import com.onboardingexport.local.lambda.LocalLambdaContext;
import com.onboardingexport.local.services.LocalS3;
import com.onboardingexport.local.template.ProjectRoot;
import com.onboardingexport.shared.Env;
import com.onboardingexport.shared.Json;
import com.onboardingexport.shared.JsonLog;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * What both functions log while they work and while they fail, captured whole
 * ({@link JsonLog#redirect}): the authorizer with real Strapi JWTs (valid, forged, garbage), then
 * the export on the real parts, succeeding (CSV, JSON, async with its status link) and failing
 * every way the error table knows (400, 403, 404, 502 on a page of real rows cut in the middle,
 * 502 on a 401 from Strapi, 504, 500 from S3 and from the signer).
 *
 * <p>Guards: no line holds a JWT, the API token, the JWT secret, the S3 secret key, a link's
 * signature, a request body, or any respondent's name, email or answer from the seed; and every
 * export leaves one structured audit line (request id, user, role, filters, rows, duration, outcome).
 */
class LogsReliabilityIT {
    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
    private final List<String> links = new ArrayList<>();
    private StrapiFaultProxy proxy;

    @BeforeEach
    void capture() {
        JsonLog.redirect(new PrintStream(captured, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        JsonLog.redirect(System.out);
        if (proxy != null) {
            proxy.close();
        }
    }

    @Test
    @DisplayName("logs of successes and of every failure hold no token, secret, link signature, request body or respondent data")
    void logsLeakNothing() throws Exception {
        String acme = Reliability.acmeId();
        String clientJwt = PARTS.login("client-a@onboarding.test");
        String adminJwt = PARTS.login("admin@onboarding.test");
        String respondentEmail = "respondent-9@example.test";

        // -------- the authorizer, with real, forged and garbage tokens
        Map<String, String> authEnv = new HashMap<>();
        authEnv.put("STRAPI_URL", PARTS.strapi.url().toString());
        authEnv.putAll(PARTS.secretEnvironment());
        AuthorizerHandler authorizer = new AuthorizerHandler(new Env(authEnv), PARTS.secretsManagerClient());
        Map<String, Object> clientContext = authorize(authorizer, clientJwt).getContext();
        assertEquals(acme, clientContext.get("clientId"));
        Map<String, Object> adminContext = authorize(authorizer, adminJwt).getContext();
        String forged = clientJwt.substring(0, clientJwt.lastIndexOf('.') + 1) + "AAAA" + clientJwt.substring(clientJwt.lastIndexOf('.') + 5);
        assertThrows(RuntimeException.class, () -> authorize(authorizer, forged));
        assertThrows(RuntimeException.class, () -> authorize(authorizer, "not-a-jwt " + PARTS.strapi.apiToken()));

        // -------- the export, succeeding: CSV, JSON, async and its status
        BackgroundInvoker inline = Reliability.inlineWorker(Reliability.config(PARTS.strapi.url(), Map.of()));
        ExportHandler handler = Reliability.handler(Reliability.config(PARTS.strapi.url(), Map.of()), PARTS.s3.client(), PARTS.s3.presigner(), inline);
        String userId = clientContext.get("userId").toString();
        String role = clientContext.get("role").toString();
        for (String body : List.of("{\"date_range\":\"all_time\",\"file_format\":\"csv\"}", "{\"date_range\":\"all_time\",\"file_format\":\"json\"}")) {
            keepLink(ok(send(handler, userId, role, acme, body)));
        }
        APIGatewayProxyResponseEvent accepted = send(handler, userId, role, acme, "{\"date_range\":\"all_time\",\"mode\":\"async\"}");
        assertEquals(202, accepted.getStatusCode(), accepted.getBody());
        String exportId = Json.MAPPER.readTree(accepted.getBody()).path("export_id").asText();
        keepLink(ok(handler.handleApiRequest(ExportFixture.statusRequest(userId, role, acme, exportId), new LocalLambdaContext())));
        keepLink(ok(send(handler, adminContext.get("userId").toString(), adminContext.get("role").toString(), "",
                "{\"date_range\":\"all_time\"}")));

        // -------- the export, failing
        String foreign = Reliability.campaignsOf(Reliability.globexId()).get(0);
        send(handler, userId, role, acme, "{\"campaign_ids\":[\"" + foreign + "\"]}");                       // 403
        send(handler, userId, role, acme, "{\"note\":\"" + respondentEmail + "\",\"token\":\"" + clientJwt + "\"}"); // 400, unknown fields
        send(handler, userId, role, acme, "{\"campaign_ids\":[\"" + respondentEmail + "\"]}");              // 400, not an id
        send(handler, userId, role, acme, "{\"date_range\":\"" + respondentEmail + "\"}");                  // 400
        send(handler, userId, role, acme, "{\"date_range\":\"2020-01-01/2020-01-02\"}");                    // 404
        proxy = StrapiFaultProxy.start(PARTS.strapi.url());
        ExportHandler viaProxy = Reliability.handler(proxy.url(), Map.of("STRAPI_PARALLELISM", "1"));
        proxy.plan((n, path) -> {
            if (n < 3) {
                return null;
            }
            // Real rows, cut mid-way: not JSON, and no answer after it is either (each entry of a page that cannot be
            // read is asked for again alone: one that still cannot be read fails the export).
            String realPage = PARTS.strapi.get(path).toString();
            return new Fault(200, realPage.substring(0, realPage.length() / 2), null);
        });
        assertEquals(502, send(viaProxy, "1", "admin", "", "{\"date_range\":\"all_time\"}").getStatusCode());
        proxy.plan((n, path) -> Fault.status(401));
        assertEquals(502, send(viaProxy, "1", "admin", "", "{\"date_range\":\"all_time\"}").getStatusCode());
        proxy.reset();
        proxy.latency(2_500);
        assertEquals(504, viaProxy.handleApiRequest(ExportFixture.admin("{}"), new LocalLambdaContext(java.time.Duration.ofSeconds(3))).getStatusCode());
        proxy.reset();
        ExportHandler noBucket = Reliability.handler(Reliability.config(PARTS.strapi.url(), Map.of("EXPORT_BUCKET", "no-such-bucket-logs")),
                PARTS.s3.client(), PARTS.s3.presigner(), Reliability.NO_BACKGROUND);
        assertEquals(500, send(noBucket, "1", "admin", "", "{\"date_range\":\"all_time\"}").getStatusCode());
        try (S3Presigner failing = S3Presigner.builder().endpointOverride(PARTS.s3.endpoint()).region(LocalS3.REGION)
                .credentialsProvider(() -> {
                    throw SdkClientException.create("no credentials (injected)");
                })
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build()).build()) {
            ExportHandler noSigner = Reliability.handler(Reliability.config(PARTS.strapi.url(), Map.of()), PARTS.s3.client(), failing,
                    Reliability.NO_BACKGROUND);
            assertEquals(500, send(noSigner, "1", "admin", "", "{\"date_range\":\"all_time\"}").getStatusCode());
        }

        // -------- what was logged
        String logs = captured.toString(StandardCharsets.UTF_8);
        List<JsonNode> lines = new ArrayList<>();
        for (String line : logs.split("\n")) {
            if (!line.isBlank()) {
                JsonNode json = Json.MAPPER.readTree(line);
                assertTrue(json.isObject() && json.has("timestamp") && json.has("level") && json.has("message"), "structured: " + line);
                lines.add(json);
            }
        }
        assertTrue(lines.size() >= 15, "the runs above logged: " + lines.size() + " lines");

        // -------- one CloudWatch Embedded Metric Format line per finished export
        List<JsonNode> metrics = lines.stream().filter(line -> line.has("_aws") && line.has("Exports")).toList();
        for (JsonNode metric : metrics) {
            JsonNode directive = metric.path("_aws").path("CloudWatchMetrics").path(0);
            assertEquals("OnboardingExport", directive.path("Namespace").asText(), metric.toString());
            // By the stack (Service) alone, with the outcome, and with the outcome and the mode.
            java.util.Set<java.util.Set<String>> dimensionSets = new java.util.HashSet<>();
            directive.path("Dimensions").forEach(set -> {
                java.util.Set<String> names = new java.util.TreeSet<>();
                set.forEach(name -> names.add(name.asText()));
                dimensionSets.add(names);
            });
            assertEquals(java.util.Set.of(java.util.Set.of("Service"), java.util.Set.of("Service", "Outcome"),
                    java.util.Set.of("Service", "Outcome", "Mode")), dimensionSets, metric.toString());
            for (JsonNode declared : directive.path("Metrics")) {
                assertTrue(metric.path(declared.path("Name").asText()).isNumber(), "a value for each metric: " + metric);
            }
            assertTrue(metric.path("_aws").path("Timestamp").isNumber());
        }
        for (String mode : List.of("sync", "async")) {
            assertTrue(metrics.stream().anyMatch(m -> m.path("Mode").asText().equals(mode) && m.path("Outcome").asText().equals("succeeded")
                    && m.path("ExportRows").asLong() > 0 && m.path("ExportBytes").asLong() > 0 && m.path("ExportSeconds").asDouble() > 0),
                    "a succeeded " + mode + " export's metrics: " + metrics);
        }
        assertTrue(metrics.stream().anyMatch(m -> m.path("Outcome").asText().equals("failed")), "a failed export's metrics: " + metrics);

        Map<String, String> secrets = new HashMap<>();
        secrets.put("the client's JWT", clientJwt);
        secrets.put("the admin's JWT", adminJwt);
        secrets.put("a JWT's signature", clientJwt.substring(clientJwt.lastIndexOf('.') + 1));
        secrets.put("the forged JWT", forged);
        secrets.put("the Strapi API token", PARTS.strapi.apiToken());
        secrets.put("the JWT secret", PARTS.strapi.jwtSecret());
        secrets.put("the S3 secret key", LocalS3.SECRET_KEY);
        secrets.put("a respondent email sent in a body", respondentEmail);
        for (String link : links) {
            secrets.put("a download link", link);
            Matcher signature = Pattern.compile("X-Amz-Signature=([0-9a-f]+)").matcher(link);
            assertTrue(signature.find());
            secrets.put("a link's signature", signature.group(1));
        }
        secrets.forEach((what, secret) -> assertFalse(logs.contains(secret), "the logs hold " + what));
        assertFalse(logs.contains("X-Amz-Signature"), "no presigned URL in the logs");
        for (String datum : respondentData()) {
            String asLogged = Json.MAPPER.writeValueAsString(datum).replaceAll("^\"|\"$", "");
            assertFalse(logs.contains(asLogged), () -> "the logs hold respondent data: " + datum + "\n"
                    + logs.lines().filter(l -> l.contains(asLogged)).findFirst().orElse(""));
        }

        // -------- the audit trail: one line per export, with who, what, how many, how long, how it ended
        List<JsonNode> audits = lines.stream().filter(l -> l.path("message").asText().matches("export (succeeded|failed)")).toList();
        assertEquals(14, audits.size(), "one audit line per export: " + audits);
        for (JsonNode audit : audits) {
            for (String field : List.of("request_id", "user_id", "role", "client_id", "outcome", "duration_ms", "error_code", "record_count")) {
                assertTrue(audit.has(field), field + " in " + audit);
            }
        }
        JsonNode success = audits.stream().filter(a -> a.path("outcome").asText().equals("succeeded")).findFirst().orElseThrow();
        assertTrue(success.path("record_count").asLong() > 0 && success.has("campaign_ids") && success.has("date_range"), success.toString());
        assertEquals(Set.of("succeeded", "failed"), new LinkedHashSet<>(audits.stream().map(a -> a.path("outcome").asText()).toList()));
    }

    @Test
    @DisplayName("a status read that re-signs a link (sync, background, scheduled) writes one audit line saying so; a running export's none")
    void reSignedLinksAreAudited() throws Exception {
        String acme = Reliability.acmeId();
        Map<String, String> authEnv = new HashMap<>();
        authEnv.put("STRAPI_URL", PARTS.strapi.url().toString());
        authEnv.putAll(PARTS.secretEnvironment());
        AuthorizerHandler authorizer = new AuthorizerHandler(new Env(authEnv), PARTS.secretsManagerClient());
        Map<String, Object> client = authorize(authorizer, PARTS.login("client-a@onboarding.test")).getContext();
        String userId = client.get("userId").toString();
        String role = client.get("role").toString();
        var config = Reliability.config(PARTS.strapi.url(), Map.of());
        ExportHandler handler = Reliability.handler(config, PARTS.s3.client(), PARTS.s3.presigner(), Reliability.inlineWorker(config));

        String syncId = ok(send(handler, userId, role, acme, "{\"date_range\":\"all_time\"}")).path("export_id").asText();
        APIGatewayProxyResponseEvent accepted = send(handler, userId, role, acme, "{\"date_range\":\"all_time\",\"mode\":\"async\"}");
        assertEquals(202, accepted.getStatusCode(), accepted.getBody());
        String asyncId = Json.MAPPER.readTree(accepted.getBody()).path("export_id").asText();
        com.onboardingexport.export.worker.ExportWorkerHandler worker = new com.onboardingexport.export.worker.ExportWorkerHandler(config,
                Reliability.strapiClient(config), PARTS.s3.client(), PARTS.s3.presigner(), PARTS.moto.eventBridge(), java.time.Clock.systemUTC());
        String scheduledId = worker.handleScheduledExport(ExportFixture.newTick((com.fasterxml.jackson.databind.node.ObjectNode) Json.MAPPER.readTree(
                "{\"schedule_name\":\"audit-resign\",\"client_id\":\"" + acme + "\",\"date_range\":\"all_time\"}")),
                new LocalLambdaContext()).path("export_id").asText();

        for (Map.Entry<String, String> export : Map.of(syncId, "sync", asyncId, "async", scheduledId, "scheduled").entrySet()) {
            captured.reset();
            var read = ExportFixture.statusRequest(userId, role, acme, export.getKey());
            JsonNode answer = ok(handler.handleApiRequest(read, new LocalLambdaContext()));
            assertEquals("succeeded", answer.path("status").asText(), answer.toString());
            assertTrue(answer.path("download_url").asText().contains("X-Amz-Signature"), answer.toString());
            List<JsonNode> audits = reSigned();
            assertEquals(1, audits.size(), export.getValue() + ": one re-sign audit line: " + captured);
            JsonNode audit = audits.get(0);
            assertAll(export.getValue(),
                    () -> assertEquals(export.getKey(), audit.path("export_id").asText()),
                    () -> assertEquals(read.getRequestContext().getRequestId(), audit.path("request_id").asText()),
                    () -> assertEquals(userId, audit.path("user_id").asText()),
                    () -> assertEquals(role, audit.path("role").asText()),
                    () -> assertEquals(acme, audit.path("client_id").asText()),
                    () -> assertEquals("re-signed", audit.path("outcome").asText()),
                    () -> assertEquals("re-sign", audit.path("action").asText()),
                    () -> assertEquals(export.getValue(), audit.path("mode").asText()),
                    () -> assertEquals(answer.path("record_count").asLong(), audit.path("record_count").asLong()),
                    () -> assertEquals(answer.path("expires_at").asText(), audit.path("expires_at").asText()),
                    () -> assertTrue(audit.has("duration_ms")),
                    () -> assertFalse(audit.toString().contains("X-Amz-Signature"), "never the link: " + audit));
        }

        // A background export the worker has not run yet: its status read signs nothing, so no such line.
        ExportHandler notRunYet = Reliability.handler(config, PARTS.s3.client(), PARTS.s3.presigner(), (arn, event) -> { });
        APIGatewayProxyResponseEvent pending = send(notRunYet, userId, role, acme, "{\"date_range\":\"all_time\",\"mode\":\"async\"}");
        assertEquals(202, pending.getStatusCode(), pending.getBody());
        String runningId = Json.MAPPER.readTree(pending.getBody()).path("export_id").asText();
        captured.reset();
        JsonNode running = ok(notRunYet.handleApiRequest(ExportFixture.statusRequest(userId, role, acme, runningId), new LocalLambdaContext()));
        assertEquals("running", running.path("status").asText(), running.toString());
        assertEquals(List.of(), reSigned());
    }

    /** The re-sign audit lines captured so far. */
    private List<JsonNode> reSigned() throws java.io.IOException {
        List<JsonNode> found = new ArrayList<>();
        for (String line : captured.toString(StandardCharsets.UTF_8).split("\n")) {
            if (!line.isBlank() && Json.MAPPER.readTree(line).path("message").asText().equals("export re-signed")) {
                found.add(Json.MAPPER.readTree(line));
            }
        }
        return found;
    }

    private void keepLink(JsonNode ok) {
        links.add(ok.path("download_url").asText());
    }

    private static APIGatewayProxyResponseEvent send(ExportHandler handler, String userId, String role, String clientId, String body) {
        return handler.handleApiRequest(ExportFixture.request(userId, role, clientId, body), new LocalLambdaContext());
    }

    private static IamPolicyResponse authorize(AuthorizerHandler authorizer, String jwt) {
        APIGatewayCustomAuthorizerEvent event = EventLoader.loadAPIGatewayCustomAuthorizerEvent(
                ProjectRoot.find().resolve("events/authorizer-request.json").toString());
        event.setAuthorizationToken("Bearer " + jwt);
        return authorizer.handleRequest(event, new LocalLambdaContext());
    }

    /**
     * Names, emails and free-text answers of the seed's respondents: the distinctive ones, 8
     * characters or more with a space, an {@code @} or a non-ASCII letter (an enum-like answer such as
     * "software" is also a word of the logs' own vocabulary, e.g. a class name).
     */
    private static Set<String> respondentData() {
        Set<String> data = new LinkedHashSet<>();
        for (JsonNode row : Reliability.FIXTURE.strapiRows("")) {
            collect(row.path("respondentName"), data);
            collect(row.path("respondentEmail"), data);
            collect(row.path("answers"), data);
        }
        assertTrue(data.size() > 50, "respondent data to look for: " + data.size());
        return data;
    }

    private static final Pattern DISTINCTIVE = Pattern.compile("[\\s@]|[^\\x00-\\x7F]");

    private static void collect(JsonNode node, Set<String> data) {
        if (node.isTextual() && node.asText().strip().length() >= 8 && DISTINCTIVE.matcher(node.asText()).find()) {
            data.add(node.asText());
        } else if (node.isContainerNode()) {
            node.forEach(child -> collect(child, data));
        }
    }
}
