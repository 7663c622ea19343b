package com.onboardingexport.it.export;

import static com.onboardingexport.it.export.ExportFixture.error;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.onboardingexport.export.config.ExportConfig;
import com.onboardingexport.export.api.ExportHandler;
import com.onboardingexport.export.model.Principal;
import com.onboardingexport.export.store.RunningExports;
import com.onboardingexport.export.store.S3ConditionalStore;
import com.onboardingexport.it.RealParts;
import com.onboardingexport.local.lambda.LocalLambdaContext;
import com.onboardingexport.shared.ApiException;
import com.onboardingexport.shared.CachedSecret;
import com.onboardingexport.shared.Deadline;
import com.onboardingexport.shared.Env;
import com.onboardingexport.shared.ErrorCode;
import com.onboardingexport.shared.Json;
import com.onboardingexport.shared.StrapiClient;
import com.onboardingexport.shared.StrapiQuery;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;

/** The export function's side of the security review, against the real Strapi, S3Proxy and moto. */
class HardeningIT {
    private final ExportFixture fixture = new ExportFixture();
    private final RealParts parts = fixture.parts;

    private ExportHandler handler(List<JsonNode> started) {
        return fixture.recordingHandler(started);
    }

    private static String exportId(APIGatewayProxyResponseEvent accepted) throws Exception {
        assertEquals(202, accepted.getStatusCode(), accepted.getBody());
        return Json.MAPPER.readTree(accepted.getBody()).path("export_id").asText();
    }

    @Test
    @DisplayName("a third background export of one user while two run: 429 TOO_MANY_EXPORTS with Retry-After; another user is not held back; a finished one frees its place")
    void perUserLimitOnRunningExports() throws Exception {
        List<JsonNode> started = new CopyOnWriteArrayList<>();
        ExportHandler handler = handler(started);
        String user = "91" + (System.nanoTime() % 1000); // a user of its own: other tests' runs never count here
        String async = "{\"mode\":\"async\",\"date_range\":\"all_time\"}";
        exportId(fixture.send(handler, ExportFixture.request(user, "admin", "", async)));
        exportId(fixture.send(handler, ExportFixture.request(user, "admin", "", async)));

        APIGatewayProxyResponseEvent refused = fixture.send(handler, ExportFixture.request(user, "admin", "", async));
        JsonNode error = error(refused, 429, "TOO_MANY_EXPORTS");
        assertEquals("30", refused.getHeaders().get("Retry-After"));
        assertTrue(error.path("message").asText().contains("2 exports running"), error.toString());
        assertEquals(2, started.size(), "the refused export never started");

        exportId(fixture.send(handler, ExportFixture.request(user + "1", "admin", "", async)));

        // The first run finishes: its user may start one more, and only one.
        ExportFixture.runJob(fixture.worker(), started.get(0), Duration.ofMinutes(2));
        exportId(fixture.send(handler, ExportFixture.request(user, "admin", "", async)));
        error(fixture.send(handler, ExportFixture.request(user, "admin", "", async)), 429, "TOO_MANY_EXPORTS");
    }

    @Test
    @DisplayName("eight background exports of one user at the same instant, in eight function instances: two start, six get 429")
    void perUserLimitHoldsUnderConcurrentRequests() throws Exception {
        List<JsonNode> started = new CopyOnWriteArrayList<>();
        String user = "93" + (System.nanoTime() % 1000);
        String async = "{\"mode\":\"async\",\"date_range\":\"all_time\"}";
        int requests = 8;
        List<ExportHandler> instances = new ArrayList<>();
        for (int i = 0; i < requests; i++) {
            instances.add(handler(started));
        }
        CyclicBarrier together = new CyclicBarrier(requests);
        ExecutorService pool = Executors.newFixedThreadPool(requests);
        try {
            List<Future<APIGatewayProxyResponseEvent>> answers = new ArrayList<>();
            for (ExportHandler instance : instances) {
                answers.add(pool.submit(() -> {
                    together.await();
                    return fixture.send(instance, ExportFixture.request(user, "admin", "", async));
                }));
            }
            Map<Integer, Integer> statuses = new TreeMap<>();
            for (var answer : answers) {
                APIGatewayProxyResponseEvent response = answer.get(2, TimeUnit.MINUTES);
                statuses.merge(response.getStatusCode(), 1, Integer::sum);
                if (response.getStatusCode() == 429) {
                    error(response, 429, "TOO_MANY_EXPORTS");
                }
            }
            assertEquals(Map.of(202, 2, 429, 6), statuses);
            assertEquals(2, started.size(), "only the two accepted exports went to the worker");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    @DisplayName("a place whose export died is taken over at its deadline, not before; a late give-back leaves the new holder's place alone")
    void placesOfDeadExportsFreeThemselves() {
        String user = "94" + (System.nanoTime() % 1000);
        Instant t = Instant.parse("2030-01-01T00:00:00Z");
        try (S3Client s3 = parts.s3.client()) {
            RunningExports places = new RunningExports(new S3ConditionalStore(s3, RealParts.BUCKET), 2, Clock.systemUTC());
            assertTrue(places.take(user, "dies", t.plusSeconds(60), t));
            assertTrue(places.take(user, "runs", t.plusSeconds(600), t));
            assertFalse(places.take(user, "third", t.plusSeconds(600), t.plusSeconds(30)), "both places held");
            assertTrue(places.take(user, "third", t.plusSeconds(600), t.plusSeconds(61)), "the dead export's deadline has passed");
            places.giveBack(user, "dies");
            assertFalse(places.take(user, "fourth", t.plusSeconds(600), t.plusSeconds(62)), "the late give-back freed nothing");
            places.giveBack(user, "runs");
            assertTrue(places.take(user, "fourth", t.plusSeconds(600), t.plusSeconds(62)));
        }
    }

    @Test
    @DisplayName("group limits: the users of one client share its places, the admins theirs; a refused export keeps no place of its own")
    void groupLimits() {
        String run = Long.toString(System.nanoTime() % 100_000);
        Principal a1 = new Principal("95" + run, "client", "acme-" + run, null);
        Principal a2 = new Principal("96" + run, "client", "acme-" + run, null);
        Principal admin1 = new Principal("97" + run, "admin", "", null);
        Principal admin2 = new Principal("98" + run, "admin", "", null);
        Instant t = Instant.parse("2030-01-01T00:00:00Z");
        try (S3Client s3 = parts.s3.client()) {
            RunningExports places = new RunningExports(new S3ConditionalStore(s3, RealParts.BUCKET), new RunningExports.Limits(2, 3, 2, "admin"), Clock.systemUTC());
            places.takeOrRefuse(a1, "a1-1", t.plusSeconds(600), t);
            places.takeOrRefuse(a1, "a1-2", t.plusSeconds(600), t);
            places.takeOrRefuse(a2, "a2-1", t.plusSeconds(600), t);
            ApiException full = assertThrows(ApiException.class, () -> places.takeOrRefuse(a2, "a2-2", t.plusSeconds(600), t));
            assertEquals(ErrorCode.TOO_MANY_EXPORTS, full.code());
            assertTrue(full.getMessage().contains("organisation's users have 3 exports running"), full.getMessage());
            // a2's own second place was given back with the refusal: once the client has room, a2 gets two.
            places.giveBack(a1, "a1-1");
            places.takeOrRefuse(a2, "a2-2", t.plusSeconds(600), t);
            assertThrows(ApiException.class, () -> places.takeOrRefuse(a2, "a2-3", t.plusSeconds(600), t));

            places.takeOrRefuse(admin1, "ad1-1", t.plusSeconds(600), t);
            places.takeOrRefuse(admin2, "ad2-1", t.plusSeconds(600), t);
            ApiException admins = assertThrows(ApiException.class, () -> places.takeOrRefuse(admin2, "ad2-2", t.plusSeconds(600), t));
            assertTrue(admins.getMessage().contains("admins have 2 exports running"), admins.getMessage());
            places.giveBack(admin1, "ad1-1");
            places.takeOrRefuse(admin2, "ad2-2", t.plusSeconds(600), t);
        }
    }

    @Test
    @DisplayName("re-signing re-checks access: the requester moved to another client, or to another role, gets 404; unchanged, a fresh link")
    void statusRechecksAccess() throws Exception {
        List<JsonNode> started = new CopyOnWriteArrayList<>();
        ExportHandler handler = handler(started);
        String acme = parts.strapi.get("/api/clients?filters[name][$eq]=Acme%20Corp").path("data").get(0).path("documentId").asText();
        String other = parts.strapi.get("/api/clients?filters[name][$ne]=Acme%20Corp").path("data").get(0).path("documentId").asText();
        String user = "92" + (System.nanoTime() % 1000);
        String exportId = exportId(fixture.send(handler, ExportFixture.request(user, "client", acme, "{\"mode\":\"async\",\"date_range\":\"all_time\"}")));
        ExportFixture.runJob(fixture.worker(), started.get(0), Duration.ofMinutes(2));

        JsonNode ok = ExportFixture.ok(fixture.send(handler, ExportFixture.statusRequest(user, "client", acme, exportId)));
        assertEquals("succeeded", ok.path("status").asText(), ok.toString());
        assertEquals(200, fixture.download(ok.path("download_url").asText()).statusCode());

        error(fixture.send(handler, ExportFixture.statusRequest(user, "client", other, exportId)), 404, "NOT_FOUND");
        error(fixture.send(handler, ExportFixture.statusRequest(user, "authenticated", acme, exportId)), 404, "NOT_FOUND");
        error(fixture.send(handler, ExportFixture.statusRequest(user, "client", "", exportId)), 404, "NOT_FOUND");
        assertEquals(200, fixture.send(handler, ExportFixture.statusRequest("1", "admin", "", exportId)).getStatusCode());
    }

    @Test
    @DisplayName("a rotated API token: Strapi's 401 on the cached token makes the client read the secret once more and retry, without a redeploy")
    void rotatedTokenIsReadAgainOn401() {
        String name = "hardening/rotating-token-" + UUID.randomUUID();
        String arn = parts.moto.createSecret(name, "an-old-token-that-strapi-no-longer-knows");
        CachedSecret token = new CachedSecret(parts.secretsManagerClient(), arn, Duration.ofHours(1));
        assertEquals("an-old-token-that-strapi-no-longer-knows", token.value()); // cached now, for an hour
        parts.moto.putSecretValue(arn, parts.strapi.apiToken()); // the rotation

        StrapiClient strapi = new StrapiClient(parts.strapi.url(), token, StrapiClient.defaultHttpClient(Duration.ofSeconds(2)),
                Duration.ofSeconds(5), 1);
        JsonNode page = strapi.get("campaigns", new StrapiQuery().add("pagination[pageSize]", "1"), Deadline.in(Duration.ofSeconds(10)));
        assertEquals(1, page.path("data").size());
        assertEquals(parts.strapi.apiToken(), token.value());
    }

    @Test
    @DisplayName("cached secret values expire: after the TTL the next read sees the new version")
    void cachedSecretsExpire() {
        String arn = parts.moto.createSecret("hardening/expiring-" + UUID.randomUUID(), "first");
        AtomicLong now = new AtomicLong();
        CachedSecret secret = new CachedSecret(parts.secretsManagerClient(), arn, Duration.ofMinutes(5), now::get);
        assertEquals("first", secret.value());
        parts.moto.putSecretValue(arn, "second");
        now.addAndGet(Duration.ofMinutes(4).toNanos());
        assertEquals("first", secret.value(), "still within the TTL");
        now.addAndGet(Duration.ofMinutes(2).toNanos());
        assertEquals("second", secret.value());
    }

    @Test
    @DisplayName("messages name no collection, no count and never echo an id that failed validation")
    void messagesHoldNoInternals() throws Exception {
        ExportHandler handler = fixture.handler();
        String badId = "<script>alert(1)</script>";
        JsonNode invalid = error(fixture.send(handler, ExportFixture.admin("{\"campaign_ids\":[\"" + badId.replace("\"", "\\\"") + "\"]}")),
                400, "INVALID_REQUEST");
        assertFalse(invalid.path("message").asText().contains("script"), invalid.toString());

        String acme = parts.strapi.get("/api/clients?filters[name][$eq]=Acme%20Corp").path("data").get(0).path("documentId").asText();
        String foreign = parts.strapi.get("/api/campaigns?filters[client][name][$ne]=Acme%20Corp").path("data").get(0).path("documentId").asText();
        JsonNode forbidden = error(fixture.send(handler, ExportFixture.request("2", "client", acme,
                "{\"campaign_ids\":[\"" + foreign + "\"],\"date_range\":\"all_time\"}")), 403, "FORBIDDEN");
        assertFalse(forbidden.path("message").asText().contains(foreign), forbidden.toString());

        // Strapi refusing a request (a wrong API token here): the message names neither the collection nor the path.
        ExportConfig config = ExportConfig.from(new Env(fixture.env(parts.strapi.url(), RealParts.BUCKET)));
        StrapiClient wrongToken = new StrapiClient(URI.create(config.strapiUrl()), () -> "not-the-token",
                StrapiClient.defaultHttpClient(Duration.ofSeconds(2)), Duration.ofSeconds(5), 1);
        ExportHandler refused = new ExportHandler(config, wrongToken, parts.s3.client(), parts.s3.presigner(),
                (arn, event) -> { }, parts.moto.eventBridge(), Clock.systemUTC());
        JsonNode upstream = error(fixture.send(refused, ExportFixture.admin("{\"date_range\":\"all_time\"}")), 502, "UPSTREAM_ERROR");
        String message = upstream.path("message").asText();
        assertFalse(message.contains("campaign") || message.contains("onboarding-responses") || message.contains("/api/"), message);

        JsonNode route = error(fixture.send(handler, ExportFixture.admin("{}").withHttpMethod("DELETE").withPath("/exports/onboarding/secret-path")),
                404, "NOT_FOUND");
        assertFalse(route.path("message").asText().contains("secret-path"), route.toString());
    }
}
