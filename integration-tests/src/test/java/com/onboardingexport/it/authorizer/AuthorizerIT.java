package com.onboardingexport.it.authorizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayCustomAuthorizerEvent;
import com.amazonaws.services.lambda.runtime.events.IamPolicyResponse;
import com.amazonaws.services.lambda.runtime.serialization.factories.JacksonFactory;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import com.fasterxml.jackson.databind.JsonNode;
import com.onboardingexport.authorizer.AuthorizerFailure;
import com.onboardingexport.authorizer.AuthorizerHandler;
import com.onboardingexport.it.RealParts;
import com.onboardingexport.local.faults.StrapiFaultProxy;
import com.onboardingexport.local.lambda.LocalLambdaContext;
import com.onboardingexport.local.template.ProjectRoot;
import com.onboardingexport.shared.Env;
import com.onboardingexport.shared.Json;
import com.onboardingexport.shared.JsonLog;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The authorizer against the real parts: tokens issued by the real Strapi's own login, the user
 * looked up in that Strapi with its API token, the secret read from the Secrets Manager stand-in
 * through the real SDK client. The handler is wired exactly as in Lambda (its Env constructor),
 * only the environment and the Secrets Manager client are given.
 *
 * <p>Strapi is reached through {@link StrapiFaultProxy}, which forwards untouched unless told
 * otherwise and counts the requests that really reach Strapi: that is how the cache is checked.
 */
class AuthorizerIT {
    private static final String ARN_PREFIX = "arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/dev/";
    private static final List<String> EXPORT_ROUTES = List.of(
            ARN_PREFIX + "POST/exports/onboarding",
            ARN_PREFIX + "GET/exports/onboarding/*");
    private static final List<String> WHOLE_STAGE = List.of(ARN_PREFIX + "*");

    private static RealParts parts;
    private static StrapiFaultProxy strapi;
    /** One real login per user: Strapi limits logins to 5 a minute per identifier and address. */
    private static final Map<String, String> LOGINS = new java.util.concurrent.ConcurrentHashMap<>();
    private static final Map<String, Long> USER_IDS = new java.util.concurrent.ConcurrentHashMap<>();

    private final ByteArrayOutputStream logs = new ByteArrayOutputStream();

    @BeforeAll
    static void start() throws Exception {
        parts = RealParts.get();
        strapi = StrapiFaultProxy.start(parts.strapi.url());
    }

    @AfterAll
    static void stop() {
        strapi.close();
    }

    @BeforeEach
    void captureLogs() {
        strapi.reset();
        JsonLog.redirect(new PrintStream(logs, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restoreLogs() {
        JsonLog.redirect(System.out);
    }

    // ---------------------------------------------------------------- helpers

    private static AuthorizerHandler handler(String strapiUrl, int cacheSeconds) {
        Map<String, String> env = new HashMap<>();
        env.put("STRAPI_URL", strapiUrl);
        env.putAll(parts.secretEnvironment());
        env.put("USER_CACHE_SECONDS", Integer.toString(cacheSeconds));
        env.put("STRAPI_TIMEOUT_MS", "3000");
        return new AuthorizerHandler(new Env(env), parts.secretsManagerClient());
    }

    private static AuthorizerHandler handler() {
        return handler(strapi.url().toString(), 60);
    }

    /** The repository's sample authorizer event, with the given Authorization header. */
    private static APIGatewayCustomAuthorizerEvent event(String authorization) {
        APIGatewayCustomAuthorizerEvent event = EventLoader.loadAPIGatewayCustomAuthorizerEvent(
                ProjectRoot.find().resolve("events/authorizer-request.json").toString());
        event.setAuthorizationToken(authorization);
        return event;
    }

    private static IamPolicyResponse call(AuthorizerHandler handler, String jwt) {
        return handler.handleRequest(event("Bearer " + jwt), new LocalLambdaContext());
    }

    /** The response as the Lambda Java runtime writes it for API Gateway. */
    private static JsonNode wire(IamPolicyResponse response) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        JacksonFactory.getInstance().getSerializer(IamPolicyResponse.class).toJson(response, out);
        return Json.MAPPER.readTree(out.toByteArray());
    }

    private static JsonNode policy(long principal, String effect, List<String> resources, Map<String, String> context) {
        var root = Json.MAPPER.createObjectNode();
        root.put("principalId", Long.toString(principal));
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

    /** A JWT from Strapi's own {@code POST /api/auth/local}. */
    private static String login(String email) {
        return LOGINS.computeIfAbsent(email, parts::login);
    }

    /**
     * The API token may read a user by id only (it has no users-permissions {@code user.find}), and
     * some seed users cannot log in (blocked, unconfirmed): walk the seed's small ids.
     */
    private static long userId(String email) {
        return USER_IDS.computeIfAbsent(email, wanted -> {
            for (long id = 1; id <= 50; id++) {
                try {
                    if (wanted.equals(parts.strapi.get("/api/users/" + id).path("email").asText())) {
                        return id;
                    }
                } catch (IllegalStateException noSuchUser) {
                    // Strapi answers 404 for an id nobody has: keep walking
                }
            }
            throw new AssertionError("no seed user " + wanted);
        });
    }

    private static String clientDocumentId(String name) {
        JsonNode clients = parts.strapi.get("/api/clients?filters[name][$eq]=" + URLEncoder.encode(name, StandardCharsets.UTF_8));
        assertEquals(1, clients.path("data").size(), name);
        return clients.path("data").get(0).path("documentId").asText();
    }

    /** A token as Strapi's users-permissions signs it ({id, iat, exp}, HS256, its secret), for users that cannot log in. */
    private static String mintLegacy(long id) {
        return JWT.create().withClaim("id", id).withIssuedAt(Instant.now()).withExpiresAt(Instant.now().plusSeconds(3600))
                .sign(Algorithm.HMAC256(parts.strapi.jwtSecret()));
    }

    private List<JsonNode> logLines() {
        return logs.toString(StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank()).map(l -> {
            try {
                return Json.MAPPER.readTree(l);
            } catch (java.io.IOException e) {
                throw new AssertionError("not a JSON log line: " + l, e);
            }
        }).toList();
    }

    private JsonNode lastDecision() {
        return logLines().stream().filter(l -> l.has("decision")).reduce((a, b) -> b).orElseThrow();
    }

    private void assertUnauthorized(AuthorizerHandler handler, String authorization) {
        RuntimeException e = assertThrows(RuntimeException.class,
                () -> handler.handleRequest(event(authorization), new LocalLambdaContext()));
        assertEquals(RuntimeException.class, e.getClass());
        assertEquals("Unauthorized", e.getMessage());
    }

    // ---------------------------------------------------------------- allow

    @Test
    @DisplayName("admin, real login: Allow on the export routes, context {userId, role admin, clientId ''}")
    void adminAllowed() throws Exception {
        long id = userId("admin@onboarding.test");
        IamPolicyResponse response = call(handler(), login("admin@onboarding.test"));
        assertEquals(policy(id, "Allow", EXPORT_ROUTES, Map.of("userId", Long.toString(id), "role", "admin", "clientId", "")),
                wire(response));
    }

    @Test
    @DisplayName("client A, real login: Allow with Acme Corp's documentId as clientId")
    void clientAAllowed() throws Exception {
        long id = userId("client-a@onboarding.test");
        IamPolicyResponse response = call(handler(), login("client-a@onboarding.test"));
        assertEquals(policy(id, "Allow", EXPORT_ROUTES,
                Map.of("userId", Long.toString(id), "role", "client", "clientId", clientDocumentId("Acme Corp"))), wire(response));
    }

    @Test
    @DisplayName("client B, real login: Allow with Globex's documentId, not Acme's")
    void clientBAllowed() throws Exception {
        IamPolicyResponse response = call(handler(), login("client-b@onboarding.test"));
        assertEquals(clientDocumentId("Globex, Inc."), response.getContext().get("clientId"));
        assertFalse(clientDocumentId("Acme Corp").equals(response.getContext().get("clientId")));
    }

    @Test
    @DisplayName("a Strapi 5 session access token {userId: \"<id>\", sessionId, type: access}, signed with Strapi's secret: Allow")
    void sessionShapedToken() throws Exception {
        long id = userId("client-a@onboarding.test");
        String token = JWT.create().withClaim("userId", Long.toString(id)).withClaim("sessionId", "9f8e7d6c5b4a39281706f5e4d3c2b1a0")
                .withClaim("type", "access").withIssuedAt(Instant.now()).withExpiresAt(Instant.now().plusSeconds(1800))
                .sign(Algorithm.HMAC256(parts.strapi.jwtSecret()));
        assertEquals("Allow", wire(call(handler(), token)).at("/policyDocument/Statement/0/Effect").asText());
    }

    // ---------------------------------------------------------------- deny (403)

    private void assertDenied(long id, String jwt, String reason) throws Exception {
        IamPolicyResponse response = call(handler(), jwt);
        assertEquals(policy(id, "Deny", WHOLE_STAGE, Map.of()), wire(response));
        assertEquals(reason, lastDecision().path("reason").asText());
    }

    @Test
    @DisplayName("blocked user (Strapi refuses its login, so its token is minted with Strapi's secret): Deny")
    void blockedDenied() throws Exception {
        long id = userId("blocked@onboarding.test");
        assertThrows(IllegalStateException.class, () -> parts.login("blocked@onboarding.test"), "Strapi itself refuses the login");
        assertDenied(id, mintLegacy(id), "blocked");
    }

    @Test
    @DisplayName("unconfirmed user, real login: Deny")
    void unconfirmedDenied() throws Exception {
        assertDenied(userId("unconfirmed@onboarding.test"), login("unconfirmed@onboarding.test"), "unconfirmed");
    }

    @Test
    @DisplayName("user of role 'authenticated', real login: Deny")
    void otherRoleDenied() throws Exception {
        assertDenied(userId("other@onboarding.test"), login("other@onboarding.test"), "role_not_allowed");
    }

    @Test
    @DisplayName("client user without a client, real login: Deny")
    void orphanDenied() throws Exception {
        assertDenied(userId("orphan@onboarding.test"), login("orphan@onboarding.test"), "client_without_client");
    }

    @Test
    @DisplayName("a validly signed token of a user Strapi does not have: Deny")
    void unknownUserDenied() throws Exception {
        assertDenied(987654, mintLegacy(987654), "unknown_user");
    }

    // ---------------------------------------------------------------- 401, Strapi never called

    @Test
    @DisplayName("forged: a real token's claims re-signed with another secret: 401, Strapi not called")
    void forgedRefused() {
        String real = login("admin@onboarding.test");
        var claims = JWT.decode(real);
        String forged = JWT.create().withClaim("id", claims.getClaim("id").asLong()).withIssuedAt(claims.getIssuedAtAsInstant())
                .withExpiresAt(claims.getExpiresAtAsInstant()).sign(Algorithm.HMAC256("not-" + parts.strapi.jwtSecret()));
        assertUnauthorized(handler(), "Bearer " + forged);
        assertEquals(0, strapi.requests());
    }

    @Test
    @DisplayName("a real token re-signed with alg none (empty signature, or its original signature kept): 401, Strapi not called")
    void algNoneRefused() {
        String[] real = login("admin@onboarding.test").split("\\.");
        String none = Base64.getUrlEncoder().withoutPadding().encodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
        AuthorizerHandler handler = handler();
        assertUnauthorized(handler, "Bearer " + none + "." + real[1] + ".");
        assertUnauthorized(handler, "Bearer " + none + "." + real[1] + "." + real[2]);
        assertEquals(0, strapi.requests());
    }

    @Test
    @DisplayName("a real token with its payload changed to another user's id: 401")
    void tamperedRefused() {
        String[] real = login("client-a@onboarding.test").split("\\.");
        String payload = new String(Base64.getUrlDecoder().decode(real[1]), StandardCharsets.UTF_8)
                .replaceFirst("\"id\":\\d+", "\"id\":" + userId("admin@onboarding.test"));
        String tampered = real[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(payload.getBytes(StandardCharsets.UTF_8)) + "." + real[2];
        assertUnauthorized(handler(), "Bearer " + tampered);
        assertEquals(0, strapi.requests());
    }

    @Test
    @DisplayName("expired, signed with Strapi's secret: 401")
    void expiredRefused() {
        String expired = JWT.create().withClaim("id", userId("admin@onboarding.test")).withIssuedAt(Instant.now().minusSeconds(7200))
                .withExpiresAt(Instant.now().minusSeconds(3600)).sign(Algorithm.HMAC256(parts.strapi.jwtSecret()));
        assertUnauthorized(handler(), "Bearer " + expired);
        assertEquals(0, strapi.requests());
    }

    // ---------------------------------------------------------------- cache

    @Test
    @DisplayName("cache: a second request by the same user does not reach Strapi; another user does")
    void secondCallIsCached() throws Exception {
        AuthorizerHandler handler = handler();
        String admin = login("admin@onboarding.test");
        String clientA = login("client-a@onboarding.test");
        JsonNode first = wire(call(handler, admin));
        assertEquals(1, strapi.requests());
        JsonNode second = wire(call(handler, admin));
        assertEquals(1, strapi.requests(), "the second lookup must come from the cache");
        assertEquals(first, second);
        call(handler, clientA);
        assertEquals(2, strapi.requests());
    }

    @Test
    @DisplayName("cache off (USER_CACHE_SECONDS=0): every request reaches Strapi (so the counter above is real)")
    void cacheOff() {
        AuthorizerHandler handler = handler(strapi.url().toString(), 0);
        String admin = login("admin@onboarding.test");
        call(handler, admin);
        call(handler, admin);
        assertEquals(2, strapi.requests());
    }

    // ---------------------------------------------------------------- Strapi down: refused, never allowed

    @Test
    @DisplayName("Strapi unreachable (nothing listens): an error, not a policy; logged as an error with the cause")
    void strapiUnreachable() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        AuthorizerHandler handler = handler("http://127.0.0.1:" + closedPort, 60);
        String admin = login("admin@onboarding.test");
        AuthorizerFailure failure = assertThrows(AuthorizerFailure.class, () -> call(handler, admin));
        assertEquals("Strapi is unavailable (connection failed)", failure.getCause().getMessage());
        List<JsonNode> lines = logLines();
        // Each attempt is logged by the Strapi client with the exception; then one ERROR line with the decision.
        assertTrue(lines.stream().anyMatch(l -> "WARN".equals(l.path("level").asText())
                && l.path("failure").asText().startsWith("java.net.ConnectException")), lines.toString());
        JsonNode error = lines.stream().filter(l -> "ERROR".equals(l.path("level").asText())).findFirst().orElseThrow();
        assertEquals("authorizer failed: user lookup", error.path("message").asText());
        assertEquals("error", error.path("decision").asText());
        assertFalse(error.path("request_id").asText().isBlank(), "the request id is logged");
        assertEquals(userId("admin@onboarding.test"), error.path("user_id").asLong());
        assertEquals("Strapi is unavailable (connection failed)", error.path("error_message").asText());
        assertFalse(logs.toString(StandardCharsets.UTF_8).contains(admin.split("\\.")[2]), "the token is never logged");
    }

    @Test
    @DisplayName("Strapi answering 503 on every attempt: an error after the retries; once it recovers, the user is let in (the failure was not cached)")
    void strapiFailingThenRecovering() throws Exception {
        AuthorizerHandler handler = handler();
        String admin = login("admin@onboarding.test");
        strapi.plan((n, path) -> StrapiFaultProxy.Fault.status(503));
        AuthorizerFailure failure = assertThrows(AuthorizerFailure.class, () -> call(handler, admin));
        assertTrue(failure.getCause().getMessage().contains("503"), failure.getCause().getMessage());
        assertEquals(3, strapi.requests(), "three attempts");
        strapi.plan((n, path) -> null);
        assertEquals("Allow", wire(call(handler, admin)).at("/policyDocument/Statement/0/Effect").asText());
    }

    @Test
    @DisplayName("Strapi answering 500, or HTML instead of JSON: an error, never a policy")
    void strapiAnsweringNonsense() {
        AuthorizerHandler handler = handler(strapi.url().toString(), 0);
        String admin = login("admin@onboarding.test");
        strapi.plan((n, path) -> StrapiFaultProxy.Fault.status(500));
        assertInstanceOf(AuthorizerFailure.class, assertThrows(RuntimeException.class, () -> call(handler, admin)));
        strapi.plan((n, path) -> StrapiFaultProxy.Fault.notJson());
        assertInstanceOf(AuthorizerFailure.class, assertThrows(RuntimeException.class, () -> call(handler, admin)));
    }

    @Test
    @DisplayName("the API token cannot be read (wrong secret id): an error, not a 401 and not an Allow")
    void secretMissing() {
        Map<String, String> env = Map.of("STRAPI_URL", strapi.url().toString(), "STRAPI_API_TOKEN_SECRET_ARN",
                "arn:aws:secretsmanager:us-east-1:000000000000:secret:does-not-exist-AbCdEf", "JWT_SECRET_ARN", parts.jwtSecretArn);
        AuthorizerHandler handler = new AuthorizerHandler(new Env(env), parts.secretsManagerClient());
        assertThrows(AuthorizerFailure.class, () -> call(handler, login("admin@onboarding.test")));
        assertEquals(0, strapi.requests());
    }
}
