package com.onboardingexport.it.reliability;

import static com.onboardingexport.it.reliability.Reliability.PARTS;
import static com.onboardingexport.it.reliability.Reliability.error;
import static com.onboardingexport.it.reliability.Reliability.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.onboardingexport.export.api.BackgroundInvoker;
import com.onboardingexport.export.api.ExportHandler;
import com.onboardingexport.it.export.ExportFixture;
import com.onboardingexport.local.lambda.LocalLambdaContext;
import com.onboardingexport.shared.Json;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A client can never obtain another client's rows, whatever it puts in the request: every
 * combination of campaign ids (foreign, mixed, casing variants, duplicates, other kinds of ids),
 * date ranges and their formats, file formats and modes (sync, auto, async with its status
 * endpoint). Every file it does get is downloaded and each row checked against Strapi's own
 * campaign → client relation. Object keys are unguessable and a link opens one object only.
 */
class AccessReliabilityIT {
    private static final List<String> RANGES = List.of("today", "last_7_days", "last_30_days", "last_90_days", "this_month",
            "last_month", "all_time", "2026-01-01/2026-01-31", "2025-12-31T23:59:59.999Z/2026-02-01T00:00:00.001Z",
            "2026-01-01/2026-01-31|Asia/Tokyo", "2026-03-01T00:00/2026-09-01T00:00|America/New_York");

    private static String acme;
    private static String globex;
    private static Map<String, List<String>> campaignsOfClient;
    private static List<String> thirdClientCampaigns;
    private static Map<String, String> clientOfResponse;
    private static Map<String, String> clientNames;
    private static ExportHandler handler;

    @BeforeAll
    static void seed() {
        acme = Reliability.acmeId();
        globex = Reliability.globexId();
        campaignsOfClient = Map.of(acme, Reliability.campaignsOf(acme), globex, Reliability.campaignsOf(globex));
        thirdClientCampaigns = new ArrayList<>();
        PARTS.strapi.get("/api/campaigns?pagination[pageSize]=100").path("data").forEach(c -> {
            String id = c.path("documentId").asText();
            if (!campaignsOfClient.get(acme).contains(id) && !campaignsOfClient.get(globex).contains(id)) {
                thirdClientCampaigns.add(id);
            }
        });
        assertFalse(thirdClientCampaigns.isEmpty());
        clientOfResponse = Reliability.clientOfEveryResponse();
        clientNames = new TreeMap<>();
        PARTS.strapi.get("/api/clients").path("data").forEach(c -> clientNames.put(c.path("documentId").asText(), c.path("name").asText()));
        // Lambda's asynchronous invocation, played in the caller's thread: the 202 is answered once the background run is over.
        BackgroundInvoker inline = Reliability.inlineWorker(Reliability.config(PARTS.strapi.url(), Map.of()));
        handler = Reliability.handler(Reliability.config(PARTS.strapi.url(), Map.of()), PARTS.s3.client(), PARTS.s3.presigner(), inline);
    }

    /** The campaign_ids a client may try: name to JSON array (or null for "no field"). */
    private static Map<String, String> idSets(String own, String foreign) {
        List<String> mine = campaignsOfClient.get(own);
        List<String> theirs = campaignsOfClient.get(foreign);
        Map<String, String> sets = new LinkedHashMap<>();
        sets.put("no field", null);
        sets.put("empty", "[]");
        sets.put("null", "null");
        sets.put("one own", array(mine.get(0)));
        sets.put("all own", array(mine.toArray(String[]::new)));
        sets.put("own twice", array(mine.get(0), mine.get(0)));
        sets.put("foreign", array(theirs.get(0)));
        sets.put("all foreign", array(theirs.toArray(String[]::new)));
        sets.put("foreign twice", array(theirs.get(0), theirs.get(0)));
        sets.put("own then foreign", array(mine.get(0), theirs.get(0)));
        sets.put("foreign then own", array(theirs.get(0), mine.get(0)));
        sets.put("own, foreign, own", array(mine.get(0), theirs.get(0), mine.get(0)));
        sets.put("own upper-cased", array(mine.get(0).toUpperCase(Locale.ROOT)));
        sets.put("foreign upper-cased", array(theirs.get(0).toUpperCase(Locale.ROOT)));
        sets.put("foreign capitalised", array(Character.toUpperCase(theirs.get(0).charAt(0)) + theirs.get(0).substring(1)));
        sets.put("third client's", array(thirdClientCampaigns.get(0)));
        sets.put("the other client's own id", array(foreign));
        sets.put("its own client id", array(own));
        sets.put("foreign numeric id (Strapi 4 form)", array(Integer.toString(numericIdOf(theirs.get(0)))));
        sets.put("foreign with a space", array(" " + theirs.get(0)));
        sets.put("foreign with a filter suffix", array(theirs.get(0) + "&filters[client][documentId][$eq]=" + own));
        return sets;
    }

    private static int numericIdOf(String campaignDocumentId) {
        return PARTS.strapi.get("/api/campaigns?filters[documentId][$eq]=" + campaignDocumentId).path("data").get(0).path("id").asInt();
    }

    private static String array(String... ids) {
        var array = Json.MAPPER.createArrayNode();
        for (String id : ids) {
            array.add(id);
        }
        return array.toString();
    }

    /**
     * Guards: CampaignAccess (foreign ids are 403) and the client filter in every query (the rows
     * of a file are the caller's). Removing either lets some combination below through.
     */
    @ParameterizedTest(name = "client user {0}")
    @ValueSource(strings = {"client-a", "client-b"})
    @DisplayName("every combination of ids × date ranges × formats × modes: 403, 404, or a file holding only the caller's rows")
    void aClientNeverGetsAnotherClientsRows(String user) throws Exception {
        String userId = user.equals("client-a") ? "2" : "3";
        String own = user.equals("client-a") ? acme : globex;
        String foreign = user.equals("client-a") ? globex : acme;
        Map<String, Integer> outcomes = new TreeMap<>();
        int combination = 0;
        int rowsChecked = 0;
        for (Map.Entry<String, String> ids : idSets(own, foreign).entrySet()) {
            boolean allOwn = ids.getValue() == null || Json.MAPPER.readTree(ids.getValue()).isNull()
                    || allIn(Json.MAPPER.readTree(ids.getValue()), campaignsOfClient.get(own));
            boolean wellFormed = ids.getValue() == null || !ids.getValue().contains(" ") && !ids.getValue().contains("&");
            for (String rangeAndZone : RANGES) {
                String format = combination % 2 == 0 ? "csv" : "json";
                String mode = List.of("sync", "auto", "async").get(combination % 3);
                combination++;
                String[] parts = rangeAndZone.split("\\|");
                var body = Json.MAPPER.createObjectNode();
                if (ids.getValue() != null) {
                    body.set("campaign_ids", Json.MAPPER.readTree(ids.getValue()));
                }
                body.put("date_range", parts[0]);
                if (parts.length > 1) {
                    body.put("timezone", parts[1]);
                }
                body.put("file_format", format);
                body.put("mode", mode);
                String what = user + " " + ids.getKey() + " " + body;

                APIGatewayProxyResponseEvent response = handler.handleApiRequest(
                        ExportFixture.request(userId, "client", own, body.toString()), new LocalLambdaContext());
                int status = response.getStatusCode();
                outcomes.merge(ids.getKey().replace(' ', '_') + "→" + status, 1, Integer::sum);
                assertFalse(response.getBody().contains(clientNames.get(foreign)), what + ": " + response.getBody());
                if (!wellFormed) {
                    error(response, 400, "INVALID_REQUEST");
                    continue;
                }
                if (!allOwn) {
                    error(response, 403, "FORBIDDEN");
                    continue;
                }
                JsonNode answer;
                if (status == 202) {
                    String exportId = Json.MAPPER.readTree(response.getBody()).path("export_id").asText();
                    APIGatewayProxyResponseEvent other = handler.handleApiRequest(ExportFixture.statusRequest(
                            user.equals("client-a") ? "3" : "2", "client", foreign, exportId), new LocalLambdaContext());
                    error(other, 404, "NOT_FOUND");
                    response = handler.handleApiRequest(ExportFixture.statusRequest(userId, "client", own, exportId), new LocalLambdaContext());
                    answer = ok(response);
                    if ("failed".equals(answer.path("status").asText())) {
                        assertEquals(404, answer.path("error").path("status").asInt(), what + ": " + answer);
                        continue;
                    }
                    assertEquals("succeeded", answer.path("status").asText(), what + ": " + answer);
                } else if (status == 404) {
                    error(response, 404, "NO_DATA");
                    continue;
                } else {
                    answer = ok(response);
                }
                Reliability.FileRows rows = Reliability.rowsOf(format, Reliability.download(answer));
                assertEquals(answer.path("record_count").asInt(), rows.responseIds().size(), what);
                for (int i = 0; i < rows.responseIds().size(); i++) {
                    assertEquals(own, clientOfResponse.get(rows.responseIds().get(i)), what + ": row " + rows.responseIds().get(i));
                    assertEquals(own, rows.clientIds().get(i), what);
                }
                rowsChecked += rows.responseIds().size();
            }
        }
        System.out.printf("[reliability] access %s: %d requests, %d rows checked: %s%n", user, combination, rowsChecked, outcomes);
        assertTrue(rowsChecked > 200, "enough exports succeeded to check their rows: " + rowsChecked);
    }

    private static boolean allIn(JsonNode ids, List<String> own) {
        for (JsonNode id : ids) {
            if (!own.contains(id.asText())) {
                return false;
            }
        }
        return true;
    }

    /** Guards: the role is compared exactly; a look-alike of the admin role type is not an admin. */
    @ParameterizedTest(name = "role \"{0}\"")
    @ValueSource(strings = {"Admin", "ADMIN", " admin", "admin ", "administrator", "client", "Client", ""})
    @DisplayName("a role that only looks like admin, or a client without a client: 403, never every client's rows")
    void lookAlikeRolesAreRefused(String role) throws Exception {
        APIGatewayProxyResponseEvent response = handler.handleApiRequest(ExportFixture.request("2", role, "",
                "{\"date_range\":\"all_time\"}"), new LocalLambdaContext());
        error(response, 403, "FORBIDDEN");
    }

    /**
     * Guards: the random export id in the key (a v4 UUID: 122 random bits). Two exports by the same
     * user in the same minute share the requester's prefix and the minute, nothing else.
     */
    @Test
    @DisplayName("object keys: the same user's two exports share only the prefix and the minute; the rest is a random UUID")
    void objectKeysAreUnguessable() throws Exception {
        String body = "{\"campaign_ids\":[\"" + campaignsOfClient.get(acme).get(0) + "\"],\"date_range\":\"all_time\",\"mode\":\"sync\"}";
        JsonNode first = ok(handler.handleApiRequest(ExportFixture.request("2", "client", acme, body), new LocalLambdaContext()));
        JsonNode second = ok(handler.handleApiRequest(ExportFixture.request("2", "client", acme, body), new LocalLambdaContext()));
        String key1 = Reliability.keyOf(first.path("download_url").asText());
        String key2 = Reliability.keyOf(second.path("download_url").asText());
        Pattern shape = Pattern.compile("exports/user-2/([0-9a-f-]{36})/onboarding-export-(\\d{8}T\\d{4}Z)-([0-9a-f]{8})\\.csv");
        Matcher m1 = shape.matcher(key1);
        Matcher m2 = shape.matcher(key2);
        assertTrue(m1.matches(), key1);
        assertTrue(m2.matches(), key2);
        UUID id1 = UUID.fromString(m1.group(1));
        UUID id2 = UUID.fromString(m2.group(1));
        for (UUID id : List.of(id1, id2)) {
            assertEquals(4, id.version(), "a random (version 4) UUID: " + id);
            assertEquals(2, id.variant(), "the IETF variant: " + id);
        }
        assertEquals(m1.group(1), first.path("export_id").asText());
        assertEquals(m1.group(1).substring(0, 8), m1.group(3), "the filename's suffix is part of the same random id");
        assertNotEquals(id1, id2);
        // The 122 random bits of the two ids differ about as much as two random draws do (61 bits on
        // average; fewer than 20 has a chance below 1e-9): a counter or a clock would differ in a few.
        int differing = randomBits(id1).xor(randomBits(id2)).bitCount();
        assertTrue(differing >= 20, "the two ids differ in only " + differing + " of 122 random bits: " + id1 + " " + id2);
        for (String fromTheRequest : List.of(acme, campaignsOfClient.get(acme).get(0), "Acme")) {
            assertFalse(key1.contains(fromTheRequest), "the key holds nothing of the request or the client: " + key1);
        }

        // A link opens its own object only: its signature does not open the other key.
        String url1 = first.path("download_url").asText();
        String reaimed = url1.replace(key1, key2);
        assertEquals(403, Reliability.FIXTURE.download(reaimed).statusCode(), "a link re-aimed at another key is refused");
        assertEquals(403, Reliability.FIXTURE.download(url1.substring(0, url1.indexOf('?'))).statusCode(), "no anonymous read");
        assertEquals(200, Reliability.FIXTURE.download(url1).statusCode());
    }

    /** The 122 random bits of a version 4 UUID (all bits but the 4 version and 2 variant bits). */
    private static BigInteger randomBits(UUID id) {
        long high = id.getMostSignificantBits();
        long low = id.getLeastSignificantBits();
        long highRandom = ((high >>> 16) << 12) | (high & 0x0FFF);   // drop the version nibble
        long lowRandom = low & 0x3FFF_FFFF_FFFF_FFFFL;                 // drop the variant bits
        return BigInteger.valueOf(highRandom).shiftLeft(62).or(BigInteger.valueOf(lowRandom));
    }

    @Test
    @DisplayName("a status id belonging to another user, or shaped to reach other objects, is 404 to a client")
    void statusOfOthersIsNotFound() throws Exception {
        String body = "{\"date_range\":\"all_time\",\"mode\":\"async\"}";
        APIGatewayProxyResponseEvent accepted = handler.handleApiRequest(ExportFixture.request("3", "client", globex, body), new LocalLambdaContext());
        assertEquals(202, accepted.getStatusCode(), accepted.getBody());
        String exportId = Json.MAPPER.readTree(accepted.getBody()).path("export_id").asText();
        for (String id : List.of(exportId, exportId.toUpperCase(Locale.ROOT), "../status/" + exportId, exportId + ".json",
                " " + exportId, exportId.replace('-', '/'))) {
            JsonNode error = error(handler.handleApiRequest(ExportFixture.statusRequest("2", "client", acme, id), new LocalLambdaContext()),
                    404, "NOT_FOUND");
            assertFalse(error.toString().contains("download_url"));
        }
        JsonNode mine = ok(handler.handleApiRequest(ExportFixture.statusRequest("3", "client", globex, exportId), new LocalLambdaContext()));
        assertEquals("succeeded", mine.path("status").asText());
    }
}
