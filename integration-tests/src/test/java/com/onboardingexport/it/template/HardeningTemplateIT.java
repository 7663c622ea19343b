package com.onboardingexport.it.template;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.onboardingexport.local.CloudFormationYaml;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
    @DisplayName("cfn-lint (what sam validate --lint runs) finds no error and no warning in template.yaml")
    void cfnLint() throws Exception {
        String cfnLint = com.onboardingexport.local.LocalMoto.findOnPath("cfn-lint").orElseThrow(() ->
                new AssertionError("cfn-lint is not installed: pip install cfn-lint"));
        Process lint = new ProcessBuilder(cfnLint, "template.yaml").directory(root.toFile()).redirectErrorStream(true).start();
        String output = new String(lint.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(lint.waitFor(120, TimeUnit.SECONDS), "cfn-lint did not finish");
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
        assertEquals(1, settings.size(), settings::toString);
        JsonNode all = settings.get(0);
        JsonNode parameters = template.section("Parameters");
        assertAll(
                () -> assertEquals("/*", all.path("ResourcePath").asText()),
                () -> assertEquals("*", all.path("HttpMethod").asText()),
                () -> assertEquals(JSON.createObjectNode().put("Ref", "ApiRateLimit"), all.path("ThrottlingRateLimit")),
                () -> assertEquals(JSON.createObjectNode().put("Ref", "ApiBurstLimit"), all.path("ThrottlingBurstLimit")),
                () -> assertTrue(parameters.path("ApiRateLimit").path("Default").asInt() > 0),
                () -> assertTrue(parameters.path("ApiBurstLimit").path("Default").asInt() >= parameters.path("ApiRateLimit").path("Default").asInt()));
    }

    @Test
    @DisplayName("whatever runs background exports has reserved concurrency; the authorizer's concurrency is never taken")
    void reservedConcurrency() {
        List<String> background = template.resourcesOfType(SamTemplate.FUNCTION).stream()
                .filter(id -> template.functionProperties(id).path("Timeout").asInt() > 60).toList();
        assertFalse(background.isEmpty());
        for (String id : background) {
            assertEquals(JSON.createObjectNode().put("Ref", "WorkerConcurrency"),
                    template.functionProperties(id).path("ReservedConcurrentExecutions"), id);
        }
        assertTrue(template.functionProperties("AuthorizerFunction").path("ReservedConcurrentExecutions").isMissingNode());
        assertEquals(2, template.section("Parameters").path("MaxRunningExportsPerUser").path("Default").asInt());
    }

    @Test
    @DisplayName("API Gateway access logs: one JSON line per request (request id, user, route, status, latency), never a header, kept for a set time")
    void accessLogs() throws IOException {
        JsonNode setting = template.resource("ExportApi").path("Properties").path("AccessLogSetting");
        assertEquals(JSON.readTree("{\"Fn::GetAtt\": [\"ApiAccessLogGroup\", \"Arn\"]}"), normalise(setting.path("DestinationArn")));
        String format = setting.path("Format").asText();
        JsonNode line = JSON.readTree(format); // the format is itself a JSON object of $context variables
        assertAll(
                () -> assertEquals("$context.requestId", line.path("request_id").asText()),
                () -> assertEquals("$context.authorizer.userId", line.path("user_id").asText()),
                () -> assertEquals("$context.resourcePath", line.path("route").asText()),
                () -> assertEquals("$context.status", line.path("status").asText()),
                () -> assertEquals("$context.responseLatency", line.path("latency_ms").asText()),
                () -> assertFalse(format.toLowerCase().contains("authorization"), format),
                () -> assertFalse(format.contains("header"), format),
                () -> assertFalse(format.contains("$input"), format));
        JsonNode group = template.resource("ApiAccessLogGroup");
        assertEquals("AWS::Logs::LogGroup", group.path("Type").asText());
        assertEquals(JSON.createObjectNode().put("Ref", "LogRetentionDays"), group.path("Properties").path("RetentionInDays"));
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
