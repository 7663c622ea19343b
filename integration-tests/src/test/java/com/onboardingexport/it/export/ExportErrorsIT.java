package com.onboardingexport.it.export;

import static com.onboardingexport.it.export.ExportFixture.error;
import static com.onboardingexport.it.export.ExportFixture.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.onboardingexport.export.api.ExportHandler;
import com.onboardingexport.it.RealParts;
import com.onboardingexport.local.faults.StrapiFaultProxy;
import com.onboardingexport.local.lambda.LocalLambdaContext;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.services.s3.S3Client;

/** Every row of the error table, produced by a real request; and a link that dies with its TTL. */
class ExportErrorsIT {
    private final ExportFixture fixture = new ExportFixture();
    private final ExportHandler handler = fixture.handler();
    private StrapiFaultProxy proxy;

    @AfterEach
    void stopProxy() {
        if (proxy != null) {
            proxy.close();
        }
    }

    @ParameterizedTest(name = "400 for {0}")
    @CsvSource(delimiter = '|', value = {
            "malformed JSON          | {\"date_range\": ",
            "a body that is not an object | [\"all_time\"]",
            "an unknown format       | {\"file_format\":\"xls\"}",
            "gzip with xlsx          | {\"file_format\":\"xlsx\",\"compression\":\"gzip\"}",
            "csv options with json   | {\"file_format\":\"json\",\"csv\":{\"bom\":true}}",
            "an unknown delimiter    | {\"csv\":{\"delimiter\":\"#\"}}",
            "a field that is no name | {\"fields\":[\"answers[0]\"]}",
            "no fields               | {\"fields\":[]}",
            "an unknown preset       | {\"date_range\":\"last_century\"}",
            "a bad ISO interval      | {\"date_range\":\"2026-13-01/2026-13-31\"}",
            "a reversed date range   | {\"date_range\":\"2026-02-01/2026-01-01\"}",
            "an empty instant range  | {\"date_range\":\"2026-01-01T00:00:00Z/2026-01-01T00:00:00Z\"}",
            "non-string ids          | {\"campaign_ids\":[1,2]}",
            "ids that are not ids    | {\"campaign_ids\":[\"x&filters[client][id]=2\"]}",
            "ids that are not a list | {\"campaign_ids\":\"abc\"}",
            "an unknown time zone    | {\"timezone\":\"Mars/Olympus\"}",
            "an unknown field        | {\"campaign_id\":[\"abc\"]}",
            "an unknown mode         | {\"mode\":\"later\"}"})
    void badInputIs400(String what, String body) throws Exception {
        error(fixture.send(handler, ExportFixture.admin(body)), 400, "INVALID_REQUEST");
    }

    @Test
    @DisplayName("400 for too many ids")
    void tooManyIds() throws Exception {
        StringBuilder ids = new StringBuilder();
        for (int i = 0; i < 101; i++) {
            ids.append(i == 0 ? "" : ",").append("\"c").append(i).append('"');
        }
        JsonNode error = error(fixture.send(handler, ExportFixture.admin("{\"campaign_ids\":[" + ids + "]}")), 400, "INVALID_REQUEST");
        assertTrue(error.path("message").asText().contains("at most 100"));
    }

    @Test
    @DisplayName("401 when no authorised user reached the function")
    void noAuthorizerContextIs401() throws Exception {
        error(fixture.send(handler, ExportFixture.request("", "", "", "{}")), 401, "UNAUTHORIZED");
    }

    @ParameterizedTest(name = "403 for role \"{0}\"")
    @CsvSource({"authenticated,", "client,", "public,"})
    void otherRolesAndClientsWithoutClientAre403(String role, String clientId) throws Exception {
        error(fixture.send(handler, ExportFixture.request("6", role, clientId == null ? "" : clientId, "{}")), 403, "FORBIDDEN");
    }

    @Test
    @DisplayName("404 NO_DATA when nothing matches, naming the campaigns and the range")
    void nothingMatchesIs404() throws Exception {
        JsonNode error = error(fixture.send(handler, ExportFixture.admin(
                "{\"campaign_ids\":[\"nosuchcampaign\"],\"date_range\":\"2020-01-01/2020-01-31\"}")), 404, "NO_DATA");
        assertEquals("No onboarding responses for campaigns [nosuchcampaign] between 2020-01-01 and 2020-01-31",
                error.path("message").asText());
    }

    @Test
    @DisplayName("502 when Strapi cannot be reached, after retries")
    void strapiDownIs502() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        ExportHandler down = fixture.handler(fixture.env(URI.create("http://127.0.0.1:" + closedPort), RealParts.BUCKET), Clock.systemUTC());
        error(fixture.send(down, ExportFixture.admin("{}")), 502, "UPSTREAM_ERROR");
    }

    @Test
    @DisplayName("502 when Strapi keeps failing with 500 or answers something that is not JSON")
    void strapiErrorsAre502() throws Exception {
        proxy = StrapiFaultProxy.start(fixture.parts.strapi.url());
        ExportHandler viaProxy = fixture.handler(fixture.env(proxy.url(), RealParts.BUCKET), Clock.systemUTC());
        proxy.plan((n, path) -> StrapiFaultProxy.Fault.status(500));
        error(fixture.send(viaProxy, ExportFixture.admin("{}")), 502, "UPSTREAM_ERROR");
        proxy.plan((n, path) -> StrapiFaultProxy.Fault.notJson());
        error(fixture.send(viaProxy, ExportFixture.admin("{}")), 502, "UPSTREAM_ERROR");
    }

    @Test
    @DisplayName("504 when Strapi is too slow for the time the Lambda has left")
    void slowStrapiIs504() throws Exception {
        proxy = StrapiFaultProxy.start(fixture.parts.strapi.url()).latency(3_000);
        ExportHandler viaProxy = fixture.handler(fixture.env(proxy.url(), RealParts.BUCKET), Clock.systemUTC());
        APIGatewayProxyResponseEvent response = viaProxy.handleApiRequest(ExportFixture.admin("{}"), new LocalLambdaContext(Duration.ofSeconds(3)));
        error(response, 504, "UPSTREAM_TIMEOUT");
    }

    @Test
    @DisplayName("500 STORAGE_ERROR when the file cannot be written to S3, and no object is left")
    void storageFailureIs500() throws Exception {
        ExportHandler noBucket = fixture.handler(fixture.env(fixture.parts.strapi.url(), "no-such-bucket"), Clock.systemUTC());
        error(fixture.send(noBucket, ExportFixture.admin("{\"date_range\":\"all_time\"}")), 500, "STORAGE_ERROR");
        try (S3Client s3 = fixture.parts.s3.client()) {
            assertTrue(s3.listBuckets().buckets().stream().noneMatch(b -> b.name().equals("no-such-bucket")));
        }
    }

    @Test
    @DisplayName("the download link stops working after its TTL")
    void linkExpires() throws Exception {
        Map<String, String> env = fixture.env(fixture.parts.strapi.url(), RealParts.BUCKET);
        // Long enough for a loaded machine to download once before it ends.
        env.put("LINK_TTL_SECONDS", "6");
        JsonNode body = ok(fixture.send(fixture.handler(env, Clock.systemUTC()), ExportFixture.admin("{\"date_range\":\"all_time\"}")));
        String url = body.path("download_url").asText();
        assertEquals(200, fixture.download(url).statusCode());
        Thread.sleep(7_500);
        assertEquals(403, fixture.download(url).statusCode());
    }
}
