package com.onboardingexport.it.reliability;

import static com.onboardingexport.it.reliability.Reliability.PARTS;
import static com.onboardingexport.it.reliability.Reliability.abbreviate;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.onboardingexport.export.api.ExportHandler;
import com.onboardingexport.export.model.DateRange;
import com.onboardingexport.it.export.ExportFixture;
import com.onboardingexport.local.faults.StrapiFaultProxy;
import com.onboardingexport.local.lambda.LocalLambdaContext;
import com.onboardingexport.local.template.ProjectRoot;
import com.onboardingexport.shared.Json;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Random and hostile requests thrown at the real export handler (real Strapi behind a recording
 * {@link StrapiFaultProxy}, real S3): wrong types, huge arrays, deep nesting, 6 MB strings,
 * invalid UTF-8, base64 bodies, unknown and duplicated fields, injection strings in ids, unicode,
 * hostile status ids and methods, from an admin and from two client users.
 *
 * <p>Guards: the parser's refusals (every bad body is a 400 in the contract's shape, never a 500 or
 * a stack trace), the id pattern and StrapiQuery's encoding (no id reaches Strapi unencoded, no
 * filter key the product did not build), and the client filter (present on every query made for
 * a client, with the client's own id). Seeded: {@code -Dreliability.seed=N} replays a run.
 */
class HostileInputReliabilityIT {
    static final int CASES = Integer.getInteger("reliability.hostile.cases", 1_500);
    static final long SEED = Long.getLong("reliability.seed", 20261124L);

    private static final Pattern RAW_PAIR = Pattern.compile("[A-Za-z0-9%._*+-]+=[A-Za-z0-9%._*+-]*");
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final String RESPONSES = "/api/campaign-onboarding-responses";
    private static final String CAMPAIGNS = "/api/campaigns";
    /** Every query key the export builds, by collection (ResponseFilter, ResponsePager, CampaignAccess). */
    private static final Map<String, Pattern> ALLOWED_KEYS = Map.of(
            RESPONSES, Pattern.compile("filters\\[campaign]\\[documentId]\\[\\$in]\\[\\d{1,3}]"
                    + "|filters\\[campaign]\\[client]\\[documentId]\\[\\$eq]"
                    + "|filters\\[submittedAt]\\[\\$(gte|lt)]"
                    + "|filters\\[id]\\[\\$(gt|lte)]"
                    + "|populate\\[campaign]\\[fields]\\[0]"
                    + "|populate\\[campaign]\\[populate]\\[client]\\[fields]\\[0]"
                    + "|fields\\[0]"
                    + "|sort\\[0]"
                    + "|pagination\\[(page|pageSize|withCount)]"),
            CAMPAIGNS, Pattern.compile("filters\\[documentId]\\[\\$in]\\[\\d{1,3}]"
                    + "|filters\\[client]\\[documentId]\\[\\$eq]"
                    + "|fields\\[0]"
                    + "|pagination\\[(pageSize|withCount)]"));
    /** Kinds of case whose every body is invalid: an unknown field, a huge or deeply nested value. Only a 400 will do. */
    private static final Set<String> ALWAYS_INVALID = Set.of("unknown-fields", "huge", "deep");
    private static final String CLIENT_FILTER = "filters[campaign][client][documentId][$eq]";
    private static final String CAMPAIGN_CLIENT_FILTER = "filters[client][documentId][$eq]";

    private static StrapiFaultProxy proxy;
    private static final List<String> strapiRequests = new CopyOnWriteArrayList<>();
    private static ExportHandler handler;
    private static ObjectNode eventTemplate;
    private static String acme;
    private static String globex;
    private static List<String> acmeCampaigns;
    private static List<String> globexCampaigns;
    private static List<String> otherCampaigns;
    private static Map<String, String> clientOfResponse;

    /** A principal as the authorizer hands it over. */
    private record Who(String userId, String role, String clientId) {
    }

    @BeforeAll
    static void start() throws Exception {
        proxy = StrapiFaultProxy.start(PARTS.strapi.url());
        proxy.plan((n, path) -> {
            strapiRequests.add(path);
            return null;
        });
        // No background runs here: a 202 is a valid answer; the export it announces is not run.
        handler = Reliability.handler(Reliability.config(proxy.url(), Map.of()), PARTS.s3.client(), PARTS.s3.presigner(),
                (arn, event) -> { });
        eventTemplate = (ObjectNode) Json.MAPPER.readTree(Files.readAllBytes(ProjectRoot.find().resolve("events/export-request.json")));
        acme = Reliability.acmeId();
        globex = Reliability.globexId();
        acmeCampaigns = Reliability.campaignsOf(acme);
        globexCampaigns = Reliability.campaignsOf(globex);
        otherCampaigns = new ArrayList<>();
        PARTS.strapi.get("/api/campaigns?pagination[pageSize]=100").path("data").forEach(c -> {
            String id = c.path("documentId").asText();
            if (!acmeCampaigns.contains(id) && !globexCampaigns.contains(id)) {
                otherCampaigns.add(id);
            }
        });
        clientOfResponse = Reliability.clientOfEveryResponse();
    }

    @AfterAll
    static void stop() {
        proxy.close();
    }

    @Test
    @DisplayName("every hostile request ends in a valid answer or a JSON 4xx; no id reaches Strapi unencoded")
    void hostileRequests() throws Exception {
        Random random = new Random(SEED);
        Generator generate = new Generator(random);
        Map<String, Integer> outcomes = new TreeMap<>();
        List<String> violations = new ArrayList<>();
        int strapiChecked = 0;
        int filesChecked = 0;
        long started = System.nanoTime();
        for (int i = 0; i < CASES; i++) {
            Who who = switch (random.nextInt(3)) {
                case 0 -> new Who("1", "admin", "");
                case 1 -> new Who("2", "client", acme);
                default -> new Who("3", "client", globex);
            };
            Case c = generate.next(who);
            strapiRequests.clear();
            Answer answer;
            try {
                answer = c.viaStream() ? viaStream(c, who) : viaApi(c, who);
            } catch (Throwable t) {
                violations.add(describe(i, c, "threw " + t));
                continue;
            }
            outcomes.merge(c.kind() + " → " + answer.status(), 1, Integer::sum);
            List<String> problems = new ArrayList<>(checkAnswer(answer));
            if (ALWAYS_INVALID.contains(c.kind()) && answer.status() != 400) {
                problems.add("a body that can only be refused was not: " + c.kind());
            }
            List<String> seen = List.copyOf(strapiRequests);
            problems.addAll(checkStrapiRequests(seen, who, c));
            strapiChecked += seen.size();
            if (answer.status() == 200 && problems.isEmpty() && who.role().equals("client")) {
                problems.addAll(checkFile(answer, who));
                filesChecked++;
            }
            if (!problems.isEmpty()) {
                violations.add(describe(i, c, answer.status() + " " + abbreviate(answer.body()) + ": " + problems));
            }
        }
        long tookMillis = (System.nanoTime() - started) / 1_000_000;
        System.out.printf("[reliability] hostile inputs: %d cases (seed %d) in %d ms; %d Strapi requests checked; %d client files downloaded and row-checked%n",
                CASES, SEED, tookMillis, strapiChecked, filesChecked);
        summarize(outcomes).forEach((k, v) -> System.out.printf("[reliability]   %-28s %d%n", k, v));
        assertTrue(violations.isEmpty(), violations.size() + " of " + CASES + " cases broke the contract (seed " + SEED + "):\n"
                + String.join("\n", violations.subList(0, Math.min(20, violations.size()))));
        assertTrue(strapiChecked > 100, "enough valid-looking requests reached Strapi to check its queries: " + strapiChecked);
    }

    /**
     * Guards: dates Strapi cannot take are the caller's 400, not Strapi's 502.
     * Found by the fuzz run with seed 20261124 (case #230 and nine others).
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "{\"date_range\":\"0001-01-01/9999-12-31\"}",
            "{\"date_range\":\"9999-12-31/9999-12-31\"}",
            "{\"date_range\":\"2026-01-01T00:00:00Z/+10000-01-01T00:00:00Z\"}",
            "{\"date_range\":\"0000-01-01/0000-01-31\",\"timezone\":\"Etc/GMT-14\"}"})
    void datesOutsideYears0To9999Are400(String body) throws Exception {
        Reliability.error(handler.handleApiRequest(ExportFixture.admin(body), new LocalLambdaContext()), 400, "INVALID_REQUEST");
    }

    // ------------------------------------------------------------------ sending

    private record Answer(int status, String contentType, String body) {
    }

    private Answer viaApi(Case c, Who who) {
        APIGatewayProxyRequestEvent event = ExportFixture.request(who.userId(), who.role(), who.clientId(), c.body());
        event.setIsBase64Encoded(c.base64());
        event.setHttpMethod(c.method());
        event.getRequestContext().setHttpMethod(c.method());
        if (c.exportId() != null) {
            event.setPathParameters(Map.of("export_id", c.exportId()));
            event.setPath("/exports/onboarding/" + c.exportId());
        }
        APIGatewayProxyResponseEvent response = handler.handleApiRequest(event, new LocalLambdaContext());
        return new Answer(response.getStatusCode(), response.getHeaders() == null ? null : response.getHeaders().get("Content-Type"),
                response.getBody());
    }

    /** Through the runtime's entry point: the event as bytes, the answer as the JSON Lambda returns to API Gateway. */
    private Answer viaStream(Case c, Who who) throws Exception {
        ObjectNode event = eventTemplate.deepCopy();
        event.put("httpMethod", c.method());
        event.put("isBase64Encoded", c.base64());
        if (c.body() == null) {
            event.putNull("body");
        } else {
            event.put("body", c.body());
        }
        if (c.exportId() != null) {
            event.putObject("pathParameters").put("export_id", c.exportId());
        }
        ObjectNode context = (ObjectNode) event.path("requestContext");
        context.put("requestId", UUID.randomUUID().toString());
        ObjectNode authorizer = (ObjectNode) context.path("authorizer");
        authorizer.put("principalId", who.userId()).put("userId", who.userId()).put("role", who.role()).put("clientId", who.clientId());
        // As the Lambda runtime hands it over: the event JSON read into the typed request.
        JsonNode response = Json.MAPPER.valueToTree(handler.handleRequest(
                Json.MAPPER.treeToValue(event, com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent.class),
                new LocalLambdaContext()));
        return new Answer(response.path("statusCode").asInt(), response.path("headers").path("Content-Type").asText(null),
                response.path("body").asText(null));
    }

    // ------------------------------------------------------------------ checks

    private static List<String> checkAnswer(Answer answer) {
        List<String> problems = new ArrayList<>();
        if (!Set.of(200, 202, 400, 403, 404, 429).contains(answer.status())) {
            problems.add("status " + answer.status());
        }
        if (!"application/json".equals(answer.contentType())) {
            problems.add("Content-Type " + answer.contentType());
        }
        if (answer.body() == null) {
            problems.add("no body");
            return problems;
        }
        for (String tell : List.of("Exception", "\tat ", "at com.", "at java.", "com.onboardingexport", "java.lang", "Caused by")) {
            if (answer.body().contains(tell)) {
                problems.add("shows internals: " + tell);
            }
        }
        if (answer.body().length() > 4_096) {
            problems.add("answer of " + answer.body().length() + " chars echoes the input");
        }
        JsonNode json;
        try {
            json = Json.MAPPER.readTree(answer.body());
        } catch (JsonProcessingException e) {
            problems.add("body is not JSON");
            return problems;
        }
        if (json == null || !json.isObject()) {
            problems.add("body is not a JSON object");
            return problems;
        }
        switch (answer.status()) {
            case 200 -> {
                if (!json.path("download_url").asText().startsWith("http") || json.path("record_count").asLong() < 1) {
                    problems.add("a 200 without a link or rows");
                }
            }
            case 202 -> {
                if (!"running".equals(json.path("status").asText()) || json.path("export_id").asText().isEmpty()) {
                    problems.add("a 202 without a running export");
                }
            }
            default -> {
                JsonNode error = json.path("error");
                String expected = switch (answer.status()) {
                    case 400 -> "INVALID_REQUEST";
                    case 403 -> "FORBIDDEN";
                    // Valid async requests beyond the per-user limit of running exports.
                    case 429 -> "TOO_MANY_EXPORTS";
                    default -> error.path("code").asText().equals("NOT_FOUND") ? "NOT_FOUND" : "NO_DATA";
                };
                if (error.path("status").asInt() != answer.status() || !expected.equals(error.path("code").asText())
                        || error.path("message").asText().isBlank() || error.path("request_id").asText().isBlank()) {
                    problems.add("not the contract's error shape");
                }
            }
        }
        return problems;
    }

    /**
     * What reached Strapi: only the two collections; every key and value URL-encoded (the raw
     * pair holds nothing but URLEncoder's alphabet, so no {@code &}, {@code =}, {@code [} or
     * {@code ]} of a value can start a new parameter); every decoded key one the product builds;
     * every campaign id one the caller sent, exactly; a client's own filter on every query.
     */
    private static List<String> checkStrapiRequests(List<String> seen, Who who, Case c) {
        List<String> problems = new ArrayList<>();
        Set<String> sentIds = c.campaignIds();
        for (String pathAndQuery : seen) {
            int q = pathAndQuery.indexOf('?');
            String path = q < 0 ? pathAndQuery : pathAndQuery.substring(0, q);
            String query = q < 0 ? "" : pathAndQuery.substring(q + 1);
            Pattern allowed = ALLOWED_KEYS.get(path);
            if (allowed == null) {
                problems.add("unexpected Strapi path " + path);
                continue;
            }
            Map<String, List<String>> params = new HashMap<>();
            for (String pair : query.split("&")) {
                if (!RAW_PAIR.matcher(pair).matches()) {
                    problems.add("a parameter not fully encoded: " + abbreviate(pair));
                    continue;
                }
                int eq = pair.indexOf('=');
                String key = URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8);
                String value = URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                if (!allowed.matcher(key).matches()) {
                    problems.add("a filter key the product did not build: " + key);
                }
                params.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
                if (key.contains("[$in]") && (!ID.matcher(value).matches() || !sentIds.contains(value))) {
                    problems.add("a campaign id the caller did not send: " + abbreviate(value));
                }
            }
            String clientKey = path.equals(RESPONSES) ? CLIENT_FILTER : CAMPAIGN_CLIENT_FILTER;
            List<String> clientFilter = params.getOrDefault(clientKey, List.of());
            if (who.role().equals("client") && !clientFilter.equals(List.of(who.clientId()))) {
                problems.add("a client's query without its own client filter: " + clientFilter + " in " + path);
            }
            if (who.role().equals("admin") && path.equals(RESPONSES) && !clientFilter.isEmpty()) {
                problems.add("an admin's query narrowed to a client: " + clientFilter);
            }
        }
        return problems;
    }

    /** A client's file holds its own client's rows only, checked against Strapi's own relation. */
    private static List<String> checkFile(Answer answer, Who who) throws Exception {
        if (!who.role().equals("client")) {
            return List.of();
        }
        JsonNode ok = Json.MAPPER.readTree(answer.body());
        Reliability.FileRows rows = Reliability.rowsOf(ok.path("file_format").asText(), Reliability.download(ok));
        List<String> problems = new ArrayList<>();
        if (rows.responseIds().size() != ok.path("record_count").asInt()) {
            problems.add("the file holds " + rows.responseIds().size() + " rows, the answer says " + ok.path("record_count"));
        }
        for (String response : rows.responseIds()) {
            if (!who.clientId().equals(clientOfResponse.get(response))) {
                problems.add("another client's row " + response);
            }
        }
        return problems;
    }

    private static String describe(int index, Case c, String what) {
        return "#" + index + " [" + c.kind() + "] " + c.method() + (c.exportId() == null ? "" : " id=" + abbreviate(c.exportId()))
                + (c.base64() ? " base64" : "") + (c.viaStream() ? " stream" : "") + " body=" + abbreviate(c.body()) + " → " + what;
    }

    private static Map<String, Integer> summarize(Map<String, Integer> outcomes) {
        Map<String, Integer> byStatus = new TreeMap<>();
        outcomes.forEach((k, v) -> byStatus.merge("status " + k.substring(k.lastIndexOf(' ') + 1), v, Integer::sum));
        Map<String, Integer> byKind = new TreeMap<>();
        outcomes.forEach((k, v) -> byKind.merge("kind " + k.substring(0, k.indexOf(' ')), v, Integer::sum));
        Map<String, Integer> all = new LinkedHashMap<>(byStatus);
        all.putAll(byKind);
        return all;
    }

    // ------------------------------------------------------------------ the generator

    /** One request: its body (as API Gateway hands it over), method, status id, and how it is delivered. */
    record Case(String kind, String method, String body, boolean base64, String exportId, boolean viaStream) {
        /** The campaign ids the body asks for, as the caller sent them (empty if the body is not such an object). */
        Set<String> campaignIds() {
            try {
                String text = base64 ? new String(Base64.getDecoder().decode(body), StandardCharsets.UTF_8) : body;
                JsonNode json = text == null ? null : Json.MAPPER.readTree(text);
                Set<String> ids = new HashSet<>();
                if (json != null) {
                    json.path("campaign_ids").forEach(id -> ids.add(id.asText()));
                }
                return ids;
            } catch (Exception e) {
                return Set.of();
            }
        }
    }

    /** Hostile strings: injections, encodings, unicode, near-misses of real ids. */
    static final List<String> HOSTILE_IDS = List.of(
            "x&filters[client][id]=2", "x&filters[campaign][client][documentId][$ne]=x", "%26", "%26filters%5Bclient%5D%3D2",
            "&", "=", "[$ne]", "$ne", "[$ne]=x", "a]", "[", "]", "filters[campaign][client][documentId][$eq]",
            "*", "' OR '1'='1", "1; DROP TABLE campaigns; --", "../../etc/passwd", "..", "/", "\\", "?", "#", "+", "a b", "a+b",
            "a\u0000b", "\u0000", "\r\nX-Injected: 1", "%0d%0a", "é", "東京", "🚀", "\u202Eabc", "\u200Babc", "ａｂｃ",
            "\uD800", "\uDFFF", "\uFFFD", "{\"$ne\":null}", "null", "true", "", " ", "%00", "%", "%zz", "\t",
            "a".repeat(65), "<script>alert(1)</script>", "${jndi:ldap://127.0.0.1/a}", "$(id)", "`id`");
    /** Ids that pass the id pattern: they reach Strapi, and must arrive there as exactly these values. */
    static final List<String> ID_LIKE = List.of("__proto__", "constructor", "-", "_", "--", "a".repeat(64), "0", "1", "2", "00",
            "9223372036854775808", "NaN", "undefined", "documentId", "in", "ne");

    final class Generator {
        private final Random r;

        Generator(Random r) {
            this.r = r;
        }

        Case next(Who who) {
            int kind = r.nextInt(100);
            boolean stream = r.nextInt(8) == 0;
            if (kind < 6) {
                return new Case("status-get", "GET", null, false, hostileString(), stream);
            }
            if (kind < 8) {
                String method = pick(List.of("PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "get", "post", "TRACE", ""));
                return new Case("method", method, validBody(who), false, r.nextBoolean() ? null : hostileString(), stream);
            }
            if (kind < 14) {
                return new Case("base64", "POST", base64Body(who), true, null, stream);
            }
            if (kind < 17) {
                return new Case("huge", "POST", hugeBody(), false, null, false);
            }
            if (kind < 22) {
                return new Case("deep", "POST", deepBody(), false, null, stream);
            }
            if (kind < 31) {
                return new Case("broken-json", "POST", brokenJson(who), false, null, stream);
            }
            if (kind < 43) {
                return new Case("wrong-types", "POST", wrongTypes(), false, null, stream);
            }
            if (kind < 51) {
                return new Case("unknown-fields", "POST", unknownFields(who), false, null, stream);
            }
            if (kind < 68) {
                return new Case("hostile-ids", "POST", hostileIds(who), false, null, stream);
            }
            if (kind < 81) {
                return new Case("hostile-values", "POST", hostileValues(), false, null, stream);
            }
            if (kind < 86) {
                return new Case("non-object", "POST", nonObject(), false, null, stream);
            }
            return new Case("valid-shape", "POST", validBody(who), false, null, stream);
        }

        private <T> T pick(List<T> values) {
            return values.get(r.nextInt(values.size()));
        }

        private String json(Object value) {
            try {
                return Json.MAPPER.writeValueAsString(value);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }

        private String hostileString() {
            return switch (r.nextInt(8)) {
                case 0 -> randomUnicode(1 + r.nextInt(40));
                case 1 -> pick(ID_LIKE);
                case 2 -> new UUID(r.nextLong(), r.nextLong()).toString();
                case 3 -> new UUID(r.nextLong(), r.nextLong()).toString().toUpperCase();
                case 4 -> "x".repeat(1 + r.nextInt(300));
                default -> pick(HOSTILE_IDS);
            };
        }

        private String randomUnicode(int length) {
            StringBuilder s = new StringBuilder();
            for (int i = 0; i < length; i++) {
                int cp = switch (r.nextInt(5)) {
                    case 0 -> r.nextInt(0x20);               // control characters
                    case 1 -> 0x20 + r.nextInt(0x5F);        // printable ASCII
                    case 2 -> 0xA0 + r.nextInt(0x2000);      // Latin, Greek, Cyrillic, Arabic...
                    case 3 -> 0xD800 + r.nextInt(0x800);     // lone surrogates
                    default -> 0x1F300 + r.nextInt(0x300);   // emoji
                };
                s.appendCodePoint(cp);
            }
            return s.toString();
        }

        /** A campaign id: a real one (own, another client's, a third client's), a near miss, or an id-like value. */
        private String anyId(Who who) {
            List<String> own = who.clientId().equals(acme) ? acmeCampaigns : globexCampaigns;
            List<String> foreign = who.clientId().equals(acme) ? globexCampaigns : acmeCampaigns;
            String id = switch (r.nextInt(7)) {
                case 0 -> pick(own);
                case 1 -> pick(foreign);
                case 2 -> pick(otherCampaigns);
                case 3 -> pick(ID_LIKE);
                case 4 -> r.nextBoolean() ? acme : globex; // a client's id where a campaign id belongs
                case 5 -> randomId();
                default -> pick(foreign);
            };
            return switch (r.nextInt(6)) {
                case 0 -> id.toUpperCase();
                case 1 -> id.isEmpty() ? id : Character.toUpperCase(id.charAt(0)) + id.substring(1);
                default -> id;
            };
        }

        private String randomId() {
            String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
            StringBuilder s = new StringBuilder();
            int length = 1 + r.nextInt(64);
            for (int i = 0; i < length; i++) {
                s.append(alphabet.charAt(r.nextInt(alphabet.length())));
            }
            return s.toString();
        }

        private String dateRange() {
            return pick(List.of("today", "last_7_days", "last_30_days", "last_90_days", "this_month", "last_month", "all_time",
                    "2026-01-01/2026-01-31", "2025-12-31/2026-02-01", "2026-01-01T00:00:00Z/2026-02-01T00:00:00Z",
                    "2026-01-01T00:00:00+09:00/2026-01-31T23:59:59.999-05:00", "2026-01-01T00:00/2026-01-02T00:00",
                    "0001-01-01/9999-12-31", "2026-02-28/2026-02-28"));
        }

        private String validBody(Who who) {
            Map<String, Object> body = new LinkedHashMap<>();
            if (r.nextBoolean()) {
                List<String> ids = new ArrayList<>();
                int n = r.nextInt(5);
                for (int i = 0; i < n; i++) {
                    ids.add(anyId(who));
                }
                if (r.nextInt(4) == 0 && !ids.isEmpty()) {
                    ids.add(ids.get(0)); // a duplicate
                }
                body.put("campaign_ids", ids);
            }
            if (r.nextInt(3) > 0) {
                body.put("date_range", r.nextInt(4) == 0 ? "all_time" : dateRange());
            }
            if (r.nextBoolean()) {
                body.put("file_format", pick(List.of("csv", "json")));
            }
            if (r.nextInt(4) == 0) {
                body.put("timezone", pick(List.of("UTC", "Asia/Tokyo", "America/New_York", "Pacific/Kiritimati", "Etc/GMT+12", "Z",
                        "+14:00", "-12:00", "GMT", "Europe/Paris")));
            }
            if (r.nextInt(4) == 0) {
                body.put("mode", pick(List.of("sync", "async", "auto")));
            }
            return json(body);
        }

        private String base64Body(Who who) {
            byte[] bytes = switch (r.nextInt(5)) {
                case 0 -> validBody(who).getBytes(StandardCharsets.UTF_8);
                case 1 -> randomBytes(1 + r.nextInt(200));
                case 2 -> invalidUtf8Inside(validBody(who));
                case 3 -> ("{\"campaign_ids\":[\"" + "\u0000").getBytes(StandardCharsets.ISO_8859_1);
                default -> invalidUtf8Inside("{\"campaign_ids\":[\"abc\"],\"date_range\":\"all_time\"}");
            };
            String encoded = (r.nextBoolean() ? Base64.getEncoder() : Base64.getMimeEncoder()).encodeToString(bytes);
            return switch (r.nextInt(6)) {
                case 0 -> encoded.substring(0, Math.max(0, encoded.length() - 1 - r.nextInt(3))); // truncated
                case 1 -> "%%%" + encoded;                                                         // not base64
                case 2 -> Base64.getUrlEncoder().encodeToString(bytes);                             // the URL alphabet
                default -> encoded;
            };
        }

        private byte[] randomBytes(int length) {
            byte[] bytes = new byte[length];
            r.nextBytes(bytes);
            return bytes;
        }

        /** A UTF-8 body with an invalid sequence (lone continuation byte, overlong, truncated, 0xFF) inside a string. */
        private byte[] invalidUtf8Inside(String json) {
            byte[] valid = json.getBytes(StandardCharsets.UTF_8);
            int at = Math.max(1, json.indexOf("\":\"") + 3);
            byte[][] invalid = {{(byte) 0x80}, {(byte) 0xC0, (byte) 0xAF}, {(byte) 0xE2, (byte) 0x82}, {(byte) 0xFF},
                    {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, {(byte) 0xF8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80}};
            byte[] bad = invalid[r.nextInt(invalid.length)];
            byte[] out = new byte[valid.length + bad.length];
            System.arraycopy(valid, 0, out, 0, Math.min(at, valid.length));
            System.arraycopy(bad, 0, out, Math.min(at, valid.length), bad.length);
            System.arraycopy(valid, Math.min(at, valid.length), out, Math.min(at, valid.length) + bad.length, valid.length - Math.min(at, valid.length));
            return out;
        }

        private String hugeBody() {
            int kind = r.nextInt(6);
            int mb6 = 6 * 1024 * 1024;
            return switch (kind) {
                case 0 -> "{\"campaign_ids\":[\"" + "a".repeat(mb6) + "\"]}";
                case 1 -> "{\"date_range\":\"" + "2".repeat(mb6) + "\"}";
                case 2 -> "{\"" + "k".repeat(mb6) + "\":1}";
                case 3 -> {
                    StringBuilder ids = new StringBuilder("{\"campaign_ids\":[");
                    int n = 101 + r.nextInt(200_000);
                    for (int i = 0; i < n; i++) {
                        ids.append(i == 0 ? "" : ",").append(r.nextBoolean() ? "\"abc\"" : "1");
                    }
                    yield ids.append("]}").toString();
                }
                case 4 -> "{\"timezone\":\"" + "Europe/".repeat(mb6 / 7) + "\"}";
                default -> "\"" + "x".repeat(mb6) + "\"";
            };
        }

        private String deepBody() {
            int depth = pick(List.of(100, 999, 1_001, 5_000, 100_000));
            boolean arrays = r.nextBoolean();
            String open = arrays ? "[" : "{\"a\":";
            String close = arrays ? "]" : "}";
            String nested = open.repeat(depth) + "1" + close.repeat(depth);
            return switch (r.nextInt(3)) {
                case 0 -> nested;
                case 1 -> "{\"campaign_ids\":" + nested + "}";
                default -> "{\"date_range\":" + nested + "}";
            };
        }

        private String brokenJson(Who who) {
            String valid = validBody(who);
            return switch (r.nextInt(10)) {
                case 0 -> valid.substring(0, r.nextInt(Math.max(1, valid.length())));
                case 1 -> valid + pick(List.of("garbage", "}", "{}", ",", "\u0000", " // comment"));
                case 2 -> valid.replace('"', '\'');
                case 3 -> "{\"campaign_ids\":[\"abc\",],}";
                case 4 -> "{/* comment */\"date_range\":\"all_time\"}";
                case 5 -> "{\"campaign_ids\":[NaN, Infinity]}";
                case 6 -> "{\"date_range\":\"all_time\" \"file_format\":\"csv\"}";
                case 7 -> r.nextBoolean() ? "\uFEFF" + valid
                        // invalid UTF-8 as a text body reaches the function: decoded, with U+FFFD in place of the bad bytes
                        : new String(invalidUtf8Inside(valid), StandardCharsets.UTF_8);
                case 8 -> "{\"campaign_ids\":[\"" + pick(acmeCampaigns) + "\"],\"campaign_ids\":[\"" + pick(globexCampaigns) + "\"]}";
                default -> randomUnicode(1 + r.nextInt(80));
            };
        }

        private Object randomJsonValue(int depth) {
            int choice = r.nextInt(depth > 3 ? 6 : 9);
            return switch (choice) {
                case 0 -> null;
                case 1 -> r.nextBoolean();
                case 2 -> r.nextLong();
                case 3 -> r.nextDouble() * 1e300;
                case 4 -> hostileString();
                case 5 -> new BigDecimal(new BigInteger(300, r)).scaleByPowerOfTen(900 - r.nextInt(1800)); // huge and tiny numbers
                case 6 -> {
                    List<Object> list = new ArrayList<>();
                    for (int i = r.nextInt(4); i > 0; i--) {
                        list.add(randomJsonValue(depth + 1));
                    }
                    yield list;
                }
                default -> {
                    Map<String, Object> map = new LinkedHashMap<>();
                    for (int i = r.nextInt(4); i > 0; i--) {
                        map.put(r.nextBoolean() ? pick(List.of("$ne", "$in", "$or", "documentId", "id", "client")) : hostileString(),
                                randomJsonValue(depth + 1));
                    }
                    yield map;
                }
            };
        }

        private String wrongTypes() {
            Map<String, Object> body = new LinkedHashMap<>();
            for (String field : List.of("campaign_ids", "date_range", "file_format", "timezone", "mode")) {
                if (r.nextBoolean()) {
                    body.put(field, randomJsonValue(0));
                }
            }
            if (body.isEmpty()) {
                body.put("campaign_ids", Map.of("$ne", List.of()));
            }
            return json(body);
        }

        private String unknownFields(Who who) {
            String name = pick(List.of("campaign_id", "CAMPAIGN_IDS", "Campaign_Ids", "campaign_ids ", " campaign_ids", "campaignIds",
                    "client_id", "clientId", "filters", "__proto__", "constructor", "role", "userId", "", "\u0000",
                    "campaign_ids\u0000", "сampaign_ids" /* Cyrillic с */, "filters[client][id]"));
            String valid = validBody(who);
            String value = json(randomJsonValue(2));
            return valid.equals("{}") ? "{" + json(name) + ":" + value + "}"
                    : "{" + json(name) + ":" + value + "," + valid.substring(1);
        }

        private String hostileIds(Who who) {
            List<Object> ids = new ArrayList<>();
            int n = 1 + r.nextInt(4);
            for (int i = 0; i < n; i++) {
                ids.add(switch (r.nextInt(6)) {
                    case 0 -> anyId(who);
                    case 1 -> pick(ID_LIKE);
                    case 2 -> Map.of("$ne", "x");
                    case 3 -> List.of(pick(HOSTILE_IDS));
                    default -> pick(HOSTILE_IDS);
                });
            }
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("campaign_ids", ids);
            body.put("date_range", dateRange());
            return json(body);
        }

        private String hostileValues() {
            Map<String, Object> body = new LinkedHashMap<>();
            String field = pick(List.of("date_range", "file_format", "timezone", "mode"));
            Supplier<String> value = () -> switch (r.nextInt(6)) {
                case 0 -> hostileString();
                case 1 -> pick(List.of("ALL_TIME", "All_Time", " all_time", "all_time ", "CSV", "Json", "SYNC", "xlsx", "csv\u0000",
                        "last_30_days\n", "today/today", "2026-01-01/", "/2026-01-31", "2026-01-01/2026-01-31/2026-02-01",
                        "2026-02-30/2026-03-01", "+999999999-12-31T23:59:59Z/+999999999-12-31T23:59:59.999Z",
                        "-999999999-01-01T00:00:00Z/2026-01-01T00:00:00Z", "0000-01-01/0000-12-31", "9999-12-31/9999-12-31",
                        "2026-01-01T00:00:00Z/2026-01-01T00:00:00.000000001Z", "P1D/2026-01-01", "2026-W01/2026-W02",
                        "Mars/Olympus", "GMT+99", "UTC+25:00", "../../etc/localtime", "SystemV/AST4", "EST", "Etc/GMT-14"));
                case 2 -> randomUnicode(1 + r.nextInt(30));
                default -> dateRange();
            };
            body.put(field, value.get());
            if (r.nextBoolean()) {
                body.put("date_range", field.equals("date_range") ? body.get("date_range") : "all_time");
            }
            return json(body);
        }

        private String nonObject() {
            return pick(List.of("null", "[]", "[{}]", "1", "-0", "1e999", "\"all_time\"", "true", "", "   ", "\n", "{}", "{}{}",
                    "[\"all_time\"]", "\"\\u0000\"", "\uFFFF", "{\"\":\"\"}"));
        }
    }
}
