package com.onboardingexport.authorizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayCustomAuthorizerEvent;
import com.amazonaws.services.lambda.runtime.events.IamPolicyResponse;
import com.amazonaws.services.lambda.runtime.serialization.factories.JacksonFactory;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import com.fasterxml.jackson.databind.JsonNode;
import com.onboardingexport.shared.ApiException;
import com.onboardingexport.shared.ErrorCode;
import com.onboardingexport.shared.Json;
import com.onboardingexport.shared.JsonLog;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class AuthorizerHandlerTest {
    /** The repository's one copy of the event (STYLE habit 6); absent when sam build copies this folder alone. */
    private static final Path EVENT = Path.of("../../events/authorizer-request.json");
    private static final String ARN_PREFIX = "arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/dev/";
    private static final List<String> EXPORT_ROUTES = List.of(
            ARN_PREFIX + "POST/exports/onboarding",
            ARN_PREFIX + "GET/exports/onboarding/*");

    private final FakeUserLookup users = FakeUserLookup.seedUsers();
    private final AuthorizerHandler handler = new AuthorizerHandler(new TokenVerifier(() -> Tokens.SECRET), users,
            new AccessDecider("admin", "client"), new PolicyBuilder(), Duration.ofSeconds(3));
    private final ByteArrayOutputStream logs = new ByteArrayOutputStream();

    @BeforeEach
    void captureLogs() {
        assumeTrue(Files.isRegularFile(EVENT), "no " + EVENT + " (a copy of this folder alone, as sam build makes)");
        JsonLog.redirect(new PrintStream(logs, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restoreLogs() {
        JsonLog.redirect(System.out);
    }

    private static APIGatewayCustomAuthorizerEvent event(String authorization) {
        APIGatewayCustomAuthorizerEvent event = EventLoader.loadAPIGatewayCustomAuthorizerEvent(EVENT.toString());
        event.setAuthorizationToken(authorization);
        return event;
    }

    private IamPolicyResponse call(String authorization) {
        return handler.handleRequest(event(authorization), new TestContext("req-1", 10_000));
    }

    private List<JsonNode> logLines() {
        List<JsonNode> lines = new ArrayList<>();
        for (String line : logs.toString(StandardCharsets.UTF_8).split("\n")) {
            if (!line.isBlank()) {
                lines.add(assertDoesNotThrowRead(line));
            }
        }
        return lines;
    }

    private static JsonNode assertDoesNotThrowRead(String line) {
        try {
            return Json.MAPPER.readTree(line);
        } catch (java.io.IOException e) {
            throw new AssertionError("log line is not JSON: " + line, e);
        }
    }

    /** The response as the Lambda Java runtime serializes it for API Gateway. */
    private static JsonNode wire(IamPolicyResponse response) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        JacksonFactory.getInstance().getSerializer(IamPolicyResponse.class).toJson(response, out);
        return Json.MAPPER.readTree(out.toByteArray());
    }

    private static JsonNode expectedPolicy(String principalId, String effect, List<String> resources, Map<String, String> context) {
        var root = Json.MAPPER.createObjectNode();
        root.put("principalId", principalId);
        var statement = Json.MAPPER.createObjectNode();
        statement.put("Action", "execute-api:Invoke");
        statement.put("Effect", effect);
        resources.forEach(statement.putArray("Resource")::add);
        var document = root.putObject("policyDocument");
        document.put("Version", "2012-10-17");
        document.putArray("Statement").add(statement);
        var ctx = root.putObject("context");
        context.forEach(ctx::put);
        return root;
    }

    private static void assertWire(JsonNode expected, IamPolicyResponse response) throws Exception {
        assertEquals(expected, wire(response));
    }

    // ---- allow

    @Test
    @DisplayName("admin, legacy token: Allow on the export routes only, context {userId, role admin, clientId ''}")
    void adminAllowed() throws Exception {
        assertWire(expectedPolicy("1", "Allow", EXPORT_ROUTES, Map.of("userId", "1", "role", "admin", "clientId", "")),
                call("Bearer " + Tokens.legacy(1)));
    }

    @Test
    @DisplayName("client, Strapi 5 session token: Allow with its client's documentId")
    void clientAllowed() throws Exception {
        assertWire(expectedPolicy("2", "Allow", EXPORT_ROUTES,
                        Map.of("userId", "2", "role", "client", "clientId", "ok7sykjomv01v9m14hxdgieh")),
                call("Bearer " + Tokens.session(2)));
    }

    @Test
    @DisplayName("the Allow follows the API and stage of methodArn (another region, partition, stage)")
    void allowFollowsMethodArn() throws Exception {
        APIGatewayCustomAuthorizerEvent event = event("Bearer " + Tokens.legacy(1));
        event.setMethodArn("arn:aws-cn:execute-api:cn-north-1:210987654321:zz99yy88xx/dev/GET/exports/onboarding/abc");
        IamPolicyResponse response = handler.handleRequest(event, new TestContext("req-2", 10_000));
        assertEquals(Json.MAPPER.valueToTree(List.of(
                        "arn:aws-cn:execute-api:cn-north-1:210987654321:zz99yy88xx/dev/POST/exports/onboarding",
                        "arn:aws-cn:execute-api:cn-north-1:210987654321:zz99yy88xx/dev/GET/exports/onboarding/*")),
                wire(response).path("policyDocument").path("Statement").path(0).path("Resource"));
    }

    @Test
    @DisplayName("role names come from configuration")
    void configuredRoleNames() throws Exception {
        AuthorizerHandler renamed = new AuthorizerHandler(new TokenVerifier(() -> Tokens.SECRET),
                new FakeUserLookup().with(new StrapiUser(9, false, true, "superadmin", null))
                        .with(new StrapiUser(1, false, true, "admin", null)),
                new AccessDecider("superadmin", "customer"), new PolicyBuilder(), Duration.ofSeconds(3));
        assertEquals("Allow", effect(renamed.handleRequest(event("Bearer " + Tokens.legacy(9)), null)));
        assertEquals("Deny", effect(renamed.handleRequest(event("Bearer " + Tokens.legacy(1)), null)));
    }

    // ---- deny (403)

    private void assertDenied(long userId) throws Exception {
        assertWire(expectedPolicy(Long.toString(userId), "Deny", List.of(ARN_PREFIX + "*"), Map.of()),
                call("Bearer " + Tokens.legacy(userId)));
    }

    @Test
    @DisplayName("blocked user: Deny")
    void blocked() throws Exception {
        assertDenied(4);
        assertEquals("blocked", lastDecision().path("reason").asText());
    }

    @Test
    @DisplayName("unconfirmed user: Deny")
    void unconfirmed() throws Exception {
        assertDenied(5);
        assertEquals("unconfirmed", lastDecision().path("reason").asText());
    }

    @Test
    @DisplayName("role 'authenticated' (neither admin nor client): Deny")
    void otherRole() throws Exception {
        assertDenied(6);
        assertEquals("role_not_allowed", lastDecision().path("reason").asText());
    }

    @Test
    @DisplayName("client user without a client: Deny")
    void clientWithoutClient() throws Exception {
        assertDenied(7);
        assertEquals("client_without_client", lastDecision().path("reason").asText());
    }

    @Test
    @DisplayName("user without a role: Deny")
    void noRole() throws Exception {
        assertDenied(8);
        assertEquals("no_role", lastDecision().path("reason").asText());
    }

    @Test
    @DisplayName("user Strapi does not know: Deny")
    void unknownUser() throws Exception {
        assertDenied(404);
        assertEquals("unknown_user", lastDecision().path("reason").asText());
    }

    // ---- 401

    @Test
    @DisplayName("every token problem is RuntimeException(\"Unauthorized\") and Strapi is not called")
    void unauthorizedWithoutLookup() {
        String[] bad = {
            null, "", "Bearer ", "Bearer garbage", "Basic YWRtaW46UGFzc3cwcmQh",
            "Bearer " + Tokens.hs256("other-secret", b -> b.withClaim("id", 1).withExpiresAt(java.time.Instant.now().plusSeconds(60))),
            "Bearer " + Tokens.hs256(Tokens.SECRET, b -> b.withClaim("id", 1)),
            "Bearer " + Tokens.legacy(1) + "A".repeat(100 * 1024),
        };
        for (String authorization : bad) {
            RuntimeException e = assertThrows(RuntimeException.class, () -> call(authorization));
            assertEquals(RuntimeException.class, e.getClass());
            assertEquals("Unauthorized", e.getMessage());
        }
        assertEquals(0, users.calls.get());
        assertEquals(bad.length, logLines().stream().filter(l -> l.path("decision").asText().equals("unauthorized")).count());
    }

    @Test
    @DisplayName("a null event is a 401, not a crash")
    void nullEvent() {
        RuntimeException e = assertThrows(RuntimeException.class, () -> handler.handleRequest(null, null));
        assertEquals("Unauthorized", e.getMessage());
    }

    // ---- failures: refused, never allowed, logged with the cause

    @Test
    @DisplayName("Strapi unreachable: an error (500, not cached by API Gateway), logged with the cause")
    void strapiDown() {
        users.failure = new ApiException(ErrorCode.UPSTREAM_ERROR, "Strapi is unavailable (ConnectException: Connection refused)");
        AuthorizerFailure e = assertThrows(AuthorizerFailure.class, () -> call("Bearer " + Tokens.legacy(1)));
        assertInstanceOf(ApiException.class, e.getCause());
        JsonNode line = logLines().getLast();
        assertEquals("ERROR", line.path("level").asText());
        assertEquals("error", line.path("decision").asText());
        assertEquals(1, line.path("user_id").asLong());
        assertEquals("req-1", line.path("request_id").asText());
        assertTrue(line.path("error_message").asText().contains("Connection refused"), line.toString());
    }

    @Test
    @DisplayName("JWT secret unreadable: an error, not a 401 and not an Allow")
    void secretUnreadable() {
        AuthorizerHandler broken = new AuthorizerHandler(new TokenVerifier(() -> {
            throw new IllegalStateException("Secrets Manager: AccessDeniedException");
        }), users, new AccessDecider("admin", "client"), new PolicyBuilder(), Duration.ofSeconds(3));
        AuthorizerFailure e = assertThrows(AuthorizerFailure.class,
                () -> broken.handleRequest(event("Bearer " + Tokens.legacy(1)), new TestContext("req-3", 10_000)));
        assertEquals("Cannot verify tokens", e.getMessage());
        assertEquals(0, users.calls.get());
        assertEquals("ERROR", logLines().getLast().path("level").asText());
    }

    @Test
    @DisplayName("JWT secret shorter than 32 bytes: an error (fail closed), one log line that says so, never the secret")
    void shortSecretFailsClosed() {
        String shortSecret = "dev-only-jwt-secret-change-me";
        AuthorizerHandler weak = new AuthorizerHandler(new TokenVerifier(() -> shortSecret), users,
                new AccessDecider("admin", "client"), new PolicyBuilder(), Duration.ofSeconds(3));
        String token = Tokens.hs256(shortSecret, b -> b.withClaim("id", 1).withExpiresAt(java.time.Instant.now().plusSeconds(600)));
        AuthorizerFailure e = assertThrows(AuthorizerFailure.class,
                () -> weak.handleRequest(event("Bearer " + token), new TestContext("req-4", 10_000)));
        assertEquals("Cannot verify tokens", e.getMessage());
        assertEquals(0, users.calls.get());
        List<JsonNode> lines = logLines();
        assertEquals(1, lines.size(), lines.toString());
        assertEquals("ERROR", lines.getFirst().path("level").asText());
        assertEquals("error", lines.getFirst().path("decision").asText());
        assertEquals("req-4", lines.getFirst().path("request_id").asText());
        assertEquals("The JWT secret is shorter than 32 bytes (UTF-8)", lines.getFirst().path("error_message").asText());
        assertFalse(logs.toString(StandardCharsets.UTF_8).contains(shortSecret), "the secret is logged");
    }

    @Test
    @DisplayName("a methodArn that is not an execute-api ARN, or carries a wildcard: an error")
    void badMethodArn() {
        for (String arn : new String[] {"arn:aws:s3:::bucket", "arn:aws:execute-api:eu-west-1:123456789012:*/prod/POST/x", "garbage"}) {
            APIGatewayCustomAuthorizerEvent event = event("Bearer " + Tokens.legacy(1));
            event.setMethodArn(arn);
            assertThrows(AuthorizerFailure.class, () -> handler.handleRequest(event, null));
        }
    }

    // ---- logs

    @Test
    @DisplayName("logs: one JSON line per decision with request id, user id and decision; never the token")
    void logsNeverHoldTheToken() {
        String admin = Tokens.legacy(1);
        String forged = Tokens.hs256("other-secret", b -> b.withClaim("id", 1).withExpiresAt(java.time.Instant.now().plusSeconds(60)));
        call("Bearer " + admin);
        call("Bearer " + Tokens.legacy(6));
        assertThrows(RuntimeException.class, () -> call("Bearer " + forged));
        List<JsonNode> lines = logLines();
        assertEquals(3, lines.size());
        assertEquals(List.of("allow", "deny", "unauthorized"), lines.stream().map(l -> l.path("decision").asText()).toList());
        lines.forEach(l -> assertEquals("req-1", l.path("request_id").asText()));
        assertEquals(1, lines.get(0).path("user_id").asLong());
        assertEquals("signature", lines.get(2).path("reason").asText());
        String all = logs.toString(StandardCharsets.UTF_8);
        for (String token : new String[] {admin, forged}) {
            for (String part : Tokens.parts(token)) {
                assertFalse(all.contains(part), "a log line holds part of a token");
            }
        }
    }

    private JsonNode lastDecision() {
        return logLines().getLast();
    }

    private static String effect(IamPolicyResponse response) throws Exception {
        return wire(response).path("policyDocument").path("Statement").path(0).path("Effect").asText();
    }
}
