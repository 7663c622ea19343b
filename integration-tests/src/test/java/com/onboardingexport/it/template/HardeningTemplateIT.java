package com.onboardingexport.it.template;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.onboardingexport.local.template.CloudFormationYaml;
import com.onboardingexport.local.template.SamTemplate;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The template's side of the security review: limits, revocation time, audit, and cfn-lint's verdict. */
class HardeningTemplateIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Path root;
    private static SamTemplate template;

    @BeforeAll
    static void load() throws IOException {
        root = TemplateIT.projectRoot();
        template = new SamTemplate(CloudFormationYaml.read(root.resolve("template.yaml")));
    }

    @Test
    @DisplayName("cfn-lint (what sam validate --lint runs) finds no error, no warning and no informational finding in template.yaml (I3011: stateful resources without a deletion policy)")
    void cfnLint() throws Exception {
        String cfnLint = com.onboardingexport.local.services.LocalMoto.findOnPath("cfn-lint").orElseThrow(() ->
                new AssertionError("cfn-lint is not installed: pip install cfn-lint"));
        Process lint = new ProcessBuilder(cfnLint, "--include-checks", "I", "--", "template.yaml").directory(root.toFile())
                .redirectErrorStream(true).start();
        String output = new String(lint.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(lint.waitFor(120, TimeUnit.SECONDS), "cfn-lint did not finish");
        assertEquals("", output.strip(), "cfn-lint --include-checks I template.yaml");
        assertEquals(0, lint.exitValue(), "cfn-lint template.yaml:\n" + output);
    }

    @Test
    @DisplayName("a blocked or moved user loses access within 90 s by default: API Gateway's cache plus the authorizer's user cache")
    void revocationWithinNinetySeconds() {
        int gatewayCache = template.section("Parameters").path("AuthorizerCacheSeconds").path("Default").asInt(-1);
        JsonNode setInTemplate = template.environment("AuthorizerFunction").get("USER_CACHE_SECONDS");
        int userCache = setInTemplate == null
                ? com.onboardingexport.authorizer.AuthorizerHandler.DEFAULT_USER_CACHE_SECONDS : setInTemplate.asInt(-1);
        JsonNode identity = template.resource("ExportApi").path("Properties").path("Auth").path("Authorizers")
                .path("StrapiJwtAuthorizer").path("Identity");
        assertAll(
                () -> assertEquals(JSON.createObjectNode().put("Ref", "AuthorizerCacheSeconds"), identity.path("ReauthorizeEvery")),
                () -> assertTrue(gatewayCache >= 0 && userCache >= 0, "both caches are set"),
                () -> assertTrue(gatewayCache + userCache <= 90, "revocation takes up to " + (gatewayCache + userCache) + " s"));
    }

    @Test
    @DisplayName("stage throttling on every route, rate and burst from parameters with defaults")
    void throttling() {
        JsonNode settings = template.resource("ExportApi").path("Properties").path("MethodSettings");
        assertEquals(3, settings.size(), settings::toString);
        JsonNode all = settings.get(0);
        JsonNode parameters = template.section("Parameters");
        // The preflights (no token) have a bucket of their own on each route.
        for (int i = 1; i < 3; i++) {
            JsonNode preflight = settings.get(i);
            assertEquals("OPTIONS", preflight.path("HttpMethod").asText(), preflight::toString);
            assertEquals(JSON.createObjectNode().put("Ref", "PreflightRateLimit"), preflight.path("ThrottlingRateLimit"));
            assertEquals(JSON.createObjectNode().put("Ref", "PreflightBurstLimit"), preflight.path("ThrottlingBurstLimit"));
        }
        assertEquals(List.of("/~1exports~1onboarding", "/~1exports~1onboarding~1{export_id}"),
                List.of(settings.get(1).path("ResourcePath").asText(), settings.get(2).path("ResourcePath").asText()));
        assertAll(
                () -> assertEquals("/*", all.path("ResourcePath").asText()),
                () -> assertEquals("*", all.path("HttpMethod").asText()),
                () -> assertEquals(JSON.createObjectNode().put("Ref", "ApiRateLimit"), all.path("ThrottlingRateLimit")),
                () -> assertEquals(JSON.createObjectNode().put("Ref", "ApiBurstLimit"), all.path("ThrottlingBurstLimit")),
                () -> assertTrue(parameters.path("ApiRateLimit").path("Default").asInt() > 0),
                () -> assertTrue(parameters.path("ApiBurstLimit").path("Default").asInt() >= parameters.path("ApiRateLimit").path("Default").asInt()));
    }

    @Test
    @DisplayName("reserved concurrency: background exports, schedules, the export API and the authorizer each their own, leaving 100 of an account's default 1,000 unreserved")
    void reservedConcurrency() {
        Map<String, String> reserved = Map.of("ExportWorkerFunction", "WorkerConcurrency", "ExportScheduledFunction", "ScheduledExportConcurrency",
                "ExportFunction", "ExportApiConcurrency", "AuthorizerFunction", "AuthorizerConcurrency");
        int total = 0;
        for (String id : template.resourcesOfType(SamTemplate.FUNCTION)) {
            JsonNode reservation = template.functionProperties(id).path("ReservedConcurrentExecutions");
            if (!reserved.containsKey(id)) {
                assertTrue(reservation.isMissingNode(), id + ": " + reservation);
                continue;
            }
            assertEquals(JSON.createObjectNode().put("Ref", reserved.get(id)), reservation, id);
            total += template.section("Parameters").path(reserved.get(id)).path("Default").asInt();
        }
        // Lambda keeps at least 100 of an account's concurrency unreserved; a new account's limit is 1,000.
        assertTrue(total <= 1000 - 100, "reserved by default: " + total);
        assertTrue(template.section("Parameters").path("AuthorizerConcurrency").path("Default").asInt() > 0);
        assertEquals(2, template.section("Parameters").path("MaxRunningExportsPerUser").path("Default").asInt());
    }

    @Test
    @DisplayName("AWS WAF (on by default): rate-based rules per source IP and per Authorization header, in front of the stage")
    void wafRateRules() throws IOException {
        assertEquals("true", template.section("Parameters").path("WafEnabled").path("Default").asText());
        JsonNode acl = template.resource("ApiWebAcl");
        assertEquals("WafOn", acl.path("Condition").asText());
        JsonNode rules = acl.path("Properties").path("Rules");
        assertEquals(2, rules.size(), rules::toString);
        JsonNode perIp = rules.get(0).path("Statement").path("RateBasedStatement");
        JsonNode perToken = rules.get(1).path("Statement").path("RateBasedStatement");
        assertAll(
                () -> assertEquals("IP", perIp.path("AggregateKeyType").asText()),
                () -> assertEquals(JSON.createObjectNode().put("Ref", "WafRequestsPerIp"), perIp.path("Limit")),
                () -> assertEquals("CUSTOM_KEYS", perToken.path("AggregateKeyType").asText()),
                () -> assertEquals("authorization", perToken.path("CustomKeys").path(0).path("Header").path("Name").asText()),
                () -> assertEquals(JSON.createObjectNode().put("Ref", "WafRequestsPerToken"), perToken.path("Limit")),
                () -> rules.forEach(rule -> assertTrue(rule.path("Action").has("Block"), rule.toString())));
        JsonNode association = template.resource("ApiWebAclAssociation");
        assertEquals("WafOn", association.path("Condition").asText());
        assertTrue(association.path("Properties").path("ResourceArn").path("Fn::Sub").asText()
                .endsWith("/restapis/${ExportApi}/stages/${ExportApi.Stage}"), association::toString);
    }

    @Test
    @DisplayName("API Gateway access logs: one JSON line per request (request id, user, route, requested path, status, latency), never a header, kept for a set time")
    void accessLogs() throws IOException {
        JsonNode setting = template.resource("ExportApi").path("Properties").path("AccessLogSetting");
        assertEquals(JSON.readTree("{\"Fn::GetAtt\": [\"ApiAccessLogGroup\", \"Arn\"]}"), normalise(setting.path("DestinationArn")));
        String format = setting.path("Format").asText();
        JsonNode line = JSON.readTree(format); // the format is itself a JSON object of $context variables
        assertAll(
                () -> assertEquals("$context.requestId", line.path("request_id").asText()),
                () -> assertEquals("$context.authorizer.userId", line.path("user_id").asText()),
                () -> assertEquals("$context.resourcePath", line.path("route").asText()),
                // The route is a template; the path names the export a status read asked for.
                () -> assertEquals("$context.path", line.path("path").asText()),
                () -> assertEquals("$context.httpMethod", line.path("method").asText()),
                () -> assertEquals("$context.authorizer.role", line.path("role").asText()),
                () -> assertEquals("$context.authorizer.clientId", line.path("client_id").asText()),
                () -> assertEquals("$context.status", line.path("status").asText()),
                () -> assertEquals("$context.responseLatency", line.path("latency_ms").asText()),
                () -> assertFalse(format.toLowerCase().contains("authorization"), format),
                () -> assertFalse(format.contains("header"), format),
                () -> assertFalse(format.contains("$input"), format));
        JsonNode group = template.resource("ApiAccessLogGroup");
        assertEquals("AWS::Logs::LogGroup", group.path("Type").asText());
        assertEquals(JSON.createObjectNode().put("Ref", "LogRetentionDays"), group.path("Properties").path("RetentionInDays"));
    }

    @Test
    @DisplayName("CORS: allowed origins are a parameter (exact origins, none by default) that reaches the export function")
    void corsParameter() throws IOException {
        JsonNode parameter = template.section("Parameters").path("CorsAllowedOrigins");
        Pattern allowed = Pattern.compile(parameter.path("AllowedPattern").asText("(?s).*"));
        assertAll(
                () -> assertEquals("String", parameter.path("Type").asText()),
                () -> assertEquals("", parameter.path("Default").asText("missing")),
                () -> List.of("", "https://app.example.com", "https://app.example.com,https://admin.example.com:8443",
                        "http://localhost:5173").forEach(origins -> assertTrue(allowed.matcher(origins).matches(), origins)),
                () -> List.of("*", "https://*.example.com", "http://localhost:*", "https://app.example.com/",
                        "https://app.example.com/app", "app.example.com", "https://a.example.com, https://b.example.com",
                        "https://app.example.com,", "null", "https://app.example.com\nhttps://b.example.com")
                        .forEach(origins -> assertFalse(allowed.matcher(origins).matches(), origins)),
                () -> assertEquals(JSON.readTree("{\"Fn::Not\": [{\"Fn::Equals\": [{\"Ref\": \"CorsAllowedOrigins\"}, \"\"]}]}"),
                        template.section("Conditions").path("HasCorsOrigins")),
                () -> assertEquals(JSON.createObjectNode().put("Ref", "CorsAllowedOrigins"),
                        template.environment("ExportFunction").get("CORS_ALLOWED_ORIGINS")),
                () -> assertFalse(template.environment("AuthorizerFunction").containsKey("CORS_ALLOWED_ORIGINS"),
                        "the authorizer answers API Gateway, never a browser"));
    }

    @Test
    @DisplayName("CORS: every route has an OPTIONS preflight route to the same function, without the authorizer")
    void corsPreflight() {
        Map<String, String> routes = template.routes();
        List<String> paths = routes.keySet().stream().filter(route -> !route.startsWith("OPTIONS "))
                .map(route -> route.substring(route.indexOf(' ') + 1)).distinct().toList();
        assertFalse(paths.isEmpty());
        for (String path : paths) {
            assertTrue(routes.containsKey("OPTIONS " + path), "no preflight route for " + path);
        }
        for (String function : template.resourcesOfType(SamTemplate.FUNCTION)) {
            template.events(function, "Api").forEach((id, api) -> {
                boolean preflight = api.path("Method").asText().equalsIgnoreCase("options");
                assertEquals(preflight ? "NONE" : "", api.path("Auth").path("Authorizer").asText(""), id);
                if (preflight) {
                    String path = api.path("Path").asText();
                    assertEquals(routes.entrySet().stream().filter(r -> r.getKey().endsWith(" " + path) && !r.getKey().startsWith("OPTIONS "))
                            .map(Map.Entry::getValue).findFirst().orElseThrow(), function, id + " is served by the function of its route");
                }
            });
        }
        // Not SAM's Cors property: its mock integration could name one static origin only.
        assertTrue(template.resource("ExportApi").path("Properties").path("Cors").isMissingNode());
    }

    @Test
    @DisplayName("CORS: every gateway response (401, 403, 404, 429, 4XX, 5XX...) echoes the Origin when any origin is allowed, and varies on it")
    void corsGatewayResponses() throws IOException {
        JsonNode responses = template.resource("ExportApi").path("Properties").path("GatewayResponses");
        for (String type : List.of("UNAUTHORIZED", "ACCESS_DENIED", "MISSING_AUTHENTICATION_TOKEN", "THROTTLED",
                "AUTHORIZER_FAILURE", "INTEGRATION_TIMEOUT", "DEFAULT_4XX", "DEFAULT_5XX")) {
            assertTrue(responses.has(type), "missing gateway response " + type);
        }
        JsonNode echo = JSON.readTree("{\"Fn::If\": [\"HasCorsOrigins\", \"method.request.header.Origin\", {\"Ref\": \"AWS::NoValue\"}]}");
        responses.fields().forEachRemaining(response -> {
            JsonNode headers = response.getValue().path("ResponseParameters").path("Headers");
            assertAll(response.getKey(),
                    () -> assertEquals(echo, headers.path("Access-Control-Allow-Origin")),
                    () -> assertEquals("'Origin'", headers.path("Vary").asText()),
                    () -> assertFalse(headers.has("Access-Control-Allow-Credentials"), "no credentials: the token is a header"));
        });
        String text = template.json().toString();
        assertFalse(text.contains("Access-Control-Allow-Credentials"), "no credentialed CORS anywhere");
        assertFalse(text.contains("'*'"), "no wildcard origin anywhere");
    }

    /** !GetAtt X.Arn and !GetAtt [X, Arn] are the same thing. */
    private static JsonNode normalise(JsonNode getAtt) throws IOException {
        JsonNode value = getAtt.path("Fn::GetAtt");
        if (value.isTextual()) {
            String[] parts = value.asText().split("\\.", 2);
            return JSON.readTree("{\"Fn::GetAtt\": [\"" + parts[0] + "\", \"" + parts[1] + "\"]}");
        }
        return getAtt;
    }
}
