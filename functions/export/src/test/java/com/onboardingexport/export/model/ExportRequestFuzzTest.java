package com.onboardingexport.export.model;

import com.onboardingexport.export.strapi.ResponseFilter;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.onboardingexport.export.config.ExportConfig;
import com.onboardingexport.export.config.TestConfig;
import com.onboardingexport.shared.ApiException;
import com.onboardingexport.shared.ErrorCode;
import com.onboardingexport.shared.Json;
import com.onboardingexport.shared.StrapiQuery;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Unit-level fuzz of what stands between a request body and Strapi: the parser (every body is a
 * request or a 400 INVALID_REQUEST, nothing else escapes), the query a parsed request becomes
 * (only the keys the product builds, every id exactly as sent, a client's own filter always), and
 * {@link StrapiQuery}'s encoding (any key and value, however hostile, comes back whole).
 * Seeded and fast (tens of thousands of cases in about a second); {@code -Dfuzz.seed=N} replays a run.
 */
class ExportRequestFuzzTest {
    private static final long SEED = Long.getLong("fuzz.seed", 20261124L);
    private static final int CASES = 20_000;
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-24T04:30:00Z"), ZoneOffset.UTC);
    private static final ExportConfig CONFIG = TestConfig.builder().apiTokenSecretArn("arn:test").build();
    private static final Pattern RAW_PAIR = Pattern.compile("[A-Za-z0-9%._*+-]+=[A-Za-z0-9%._*+-]*");
    private static final Pattern ALLOWED_KEY = Pattern.compile("filters\\[campaign]\\[documentId]\\[\\$in]\\[\\d{1,3}]"
            + "|filters\\[campaign]\\[client]\\[documentId]\\[\\$eq]"
            + "|filters\\[submittedAt]\\[\\$(gte|lt)]"
            + "|populate\\[campaign]\\[fields]\\[0]"
            + "|populate\\[campaign]\\[populate]\\[client]\\[fields]\\[0]");
    private static final String CLIENT_KEY = "filters[campaign][client][documentId][$eq]";

    private static final List<String> HOSTILE = List.of(
            "x&filters[client][id]=2", "%26", "&", "=", "[$ne]", "$ne", "a]", "[", "*", "' OR '1'='1", "../", "a b", "+", "#", "?",
            "a\u0000b", "\r\n", "é", "東京", "🚀", "\u202E", "\u200B", "\uD800", "\uFFFD", "", " ", "%00", "%zz", "null", "__proto__",
            "-", "_", "a".repeat(64), "a".repeat(65), "ABCdef123", "all_time", "ALL_TIME", "csv", "JSON", "sync", "Asia/Tokyo",
            "2026-01-01/2026-01-31", "2026-01-01T00:00:00Z/2026-02-01T00:00:00Z", "2026-02-30/2026-03-01", "GMT+99", "UTC");

    private final Random random = new Random(SEED);
    private final ExportRequestParser parser = new ExportRequestParser(100, CLOCK);

    /** Guards: the parser's refusals and the id pattern; ResponseFilter and StrapiQuery's encoding. */
    @Test
    void everyBodyIsARequestOrA400AndEveryRequestBecomesASafeQuery() {
        int accepted = 0;
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < CASES; i++) {
            String body = body();
            ExportRequest request;
            try {
                request = parser.parseBody(body);
            } catch (ApiException e) {
                if (e.code() != ErrorCode.INVALID_REQUEST || e.getMessage().isBlank() || e.getMessage().length() > 400) {
                    failures.add("#" + i + " " + abbreviate(body) + " → " + e.code() + " " + abbreviate(e.getMessage()));
                }
                continue;
            } catch (RuntimeException | StackOverflowError e) {
                failures.add("#" + i + " " + abbreviate(body) + " → escaped " + e);
                continue;
            }
            accepted++;
            String clientId = random.nextBoolean() ? "" : pick(List.of("rbgewnj0w1z4eyt7sd709enb", "k3m9x2", "0"));
            String query = new ResponseFilter(request.campaignIds(), clientId, request.dateRange()).toQuery(CONFIG).toString();
            String problem = checkQuery(query, request, clientId);
            if (problem != null) {
                failures.add("#" + i + " " + abbreviate(body) + " → " + problem + " in " + abbreviate(query));
            }
        }
        System.out.printf("[fuzz] %d bodies (seed %d): %d requests accepted, %d refused with 400%n", CASES, SEED, accepted, CASES - accepted);
        if (!failures.isEmpty()) {
            fail(failures.size() + " of " + CASES + " bodies broke the contract:\n" + String.join("\n", failures.subList(0, Math.min(20, failures.size()))));
        }
        assertTrue(accepted > CASES / 10, "enough bodies were valid to check their queries: " + accepted);
    }

    /** Guards: StrapiQuery encodes every key and value: the pairs come back exactly, however hostile. */
    @Test
    void anyKeyAndValueSurviveTheQueryString() {
        for (int i = 0; i < CASES; i++) {
            Map<String, String> pairs = new LinkedHashMap<>();
            StrapiQuery query = new StrapiQuery();
            int n = 1 + random.nextInt(4);
            for (int j = 0; j < n; j++) {
                String key = "k" + j + hostile();
                String value = hostile();
                pairs.put(key, value);
                query.add(key, value);
            }
            String[] raw = query.toString().split("&", -1);
            assertEquals(pairs.size(), raw.length, query::toString);
            int j = 0;
            for (Map.Entry<String, String> pair : pairs.entrySet()) {
                assertTrue(RAW_PAIR.matcher(raw[j]).matches(), raw[j]);
                String[] kv = raw[j].split("=", -1);
                assertEquals(2, kv.length, raw[j]);
                // A lone surrogate has no UTF-8 form: it is replaced (by '?'); everything else comes back exactly.
                if (wellFormed(pair.getKey()).equals(pair.getKey())) {
                    assertEquals(pair.getKey(), URLDecoder.decode(kv[0], StandardCharsets.UTF_8));
                }
                if (wellFormed(pair.getValue()).equals(pair.getValue())) {
                    assertEquals(pair.getValue(), URLDecoder.decode(kv[1], StandardCharsets.UTF_8));
                }
                j++;
            }
        }
    }

    /** Guards: a date range Strapi cannot take is the caller's 400, not Strapi's 400 turned into a 502. */
    @Test
    void acceptedDateRangesStayWithinWhatStrapiReads() {
        for (String body : List.of("{\"date_range\":\"9999-12-31/9999-12-31\"}", "{\"date_range\":\"0001-01-01/9999-12-31\"}",
                "{\"date_range\":\"2026-01-01T00:00:00Z/+10000-01-01T00:00:00Z\"}",
                "{\"date_range\":\"0000-01-01/0000-01-31\",\"timezone\":\"Etc/GMT-14\"}")) {
            try {
                DateRange range = parser.parseBody(body).dateRange();
                for (Instant bound : new Instant[] {range.start(), range.end()}) {
                    assertTrue(bound.toString().matches("\\d{4}-.*"), body + " → a bound Strapi refuses: " + bound);
                }
            } catch (ApiException e) {
                assertEquals(ErrorCode.INVALID_REQUEST, e.code());
            }
        }
    }

    /**
     * Guards: a 400's message echoes only a short, printable part of the input, as the
     * parser's own {@code abbreviate} promises. DateRange's messages echo the date_range as sent.
     */
    @Test
    void refusalsEchoOnlyPrintableInput() {
        for (String body : List.of("{\"date_range\":\"a\\u0000b/c\"}", "{\"date_range\":\"\\u001b[31m/x\"}",
                "{\"date_range\":\"2026-01-01\\r\\n/2026-01-02\"}")) {
            try {
                parser.parseBody(body);
                fail("accepted " + body);
            } catch (ApiException e) {
                assertTrue(e.getMessage().chars().noneMatch(c -> c < 0x20 || c == 0x7F), abbreviate(e.getMessage()));
            }
        }
    }

    // ------------------------------------------------------------------ checks

    private static String checkQuery(String query, ExportRequest request, String clientId) {
        List<String> ids = new ArrayList<>();
        List<String> clientFilter = new ArrayList<>();
        for (String pair : query.split("&")) {
            if (!RAW_PAIR.matcher(pair).matches()) {
                return "a pair not fully encoded: " + pair;
            }
            String[] kv = pair.split("=", -1);
            String key = URLDecoder.decode(kv[0], StandardCharsets.UTF_8);
            String value = URLDecoder.decode(kv[1], StandardCharsets.UTF_8);
            if (!ALLOWED_KEY.matcher(key).matches()) {
                return "a key the product does not build: " + key;
            }
            if (key.contains("[$in]")) {
                ids.add(value);
            }
            if (key.equals(CLIENT_KEY)) {
                clientFilter.add(value);
            }
        }
        if (!ids.equals(request.campaignIds())) {
            return "ids " + ids + " instead of " + request.campaignIds();
        }
        if (!clientFilter.equals(clientId.isEmpty() ? List.of() : List.of(clientId))) {
            return "client filter " + clientFilter + " for client '" + clientId + "'";
        }
        return null;
    }

    /** The string as UTF-8 can carry it: lone surrogates cannot be UTF-8 and become '?'. */
    private static String wellFormed(String text) {
        return new String(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
    }

    // ------------------------------------------------------------------ generation

    private String body() {
        return switch (random.nextInt(12)) {
            case 0 -> randomText(random.nextInt(60));
            case 1 -> json(randomValue(0));
            case 2 -> "{\"campaign_ids\":" + json(randomValue(1)) + "}";
            case 3 -> deep();
            case 4 -> {
                StringBuilder ids = new StringBuilder("{\"campaign_ids\":[");
                int n = 95 + random.nextInt(20);
                for (int i = 0; i < n; i++) {
                    ids.append(i == 0 ? "" : ",").append(json(validId()));
                }
                yield ids.append("]}").toString();
            }
            case 5 -> {
                String valid = validBody();
                yield valid.substring(0, random.nextInt(valid.length() + 1));
            }
            default -> random.nextInt(4) == 0 ? mutate(validBody()) : validBody();
        };
    }

    private String validBody() {
        Map<String, Object> body = new LinkedHashMap<>();
        if (random.nextBoolean()) {
            List<String> ids = new ArrayList<>();
            for (int i = random.nextInt(5); i > 0; i--) {
                ids.add(random.nextInt(4) == 0 ? hostile() : validId());
            }
            body.put("campaign_ids", ids);
        }
        if (random.nextBoolean()) {
            body.put("date_range", random.nextInt(3) == 0 ? hostile() : pick(List.of("today", "last_7_days", "last_30_days",
                    "last_90_days", "this_month", "last_month", "all_time", "2026-01-01/2026-01-31", "2025-12-31T23:59:59Z/2026-01-01T00:00:00Z",
                    "2026-01-01T00:00/2026-01-02T00:00", "2026-02-28/2026-03-01")));
        }
        if (random.nextInt(3) == 0) {
            body.put("file_format", random.nextBoolean() ? pick(List.of("csv", "json")) : hostile());
        }
        if (random.nextInt(3) == 0) {
            body.put("timezone", random.nextBoolean() ? pick(List.of("UTC", "Asia/Tokyo", "Pacific/Kiritimati", "Etc/GMT+12", "+05:30")) : hostile());
        }
        if (random.nextInt(4) == 0) {
            body.put("mode", random.nextBoolean() ? pick(List.of("sync", "async", "auto")) : hostile());
        }
        if (random.nextInt(10) == 0) {
            body.put(hostile(), randomValue(2));
        }
        return json(body);
    }

    private String mutate(String json) {
        if (json.isEmpty()) {
            return json;
        }
        StringBuilder s = new StringBuilder(json);
        int at = random.nextInt(s.length());
        switch (random.nextInt(4)) {
            case 0 -> s.deleteCharAt(at);
            case 1 -> s.insert(at, pick(List.of("\"", "{", "[", ",", ":", "\\", "\u0000", "]", "}", "1", "null")));
            case 2 -> s.setCharAt(at, (char) random.nextInt(0x3000));
            default -> s.append(pick(List.of("x", "}", ",{}", "\n")));
        }
        return s.toString();
    }

    private String deep() {
        int depth = pick(List.of(10, 500, 999, 1_001, 3_000, 50_000));
        String open = random.nextBoolean() ? "[" : "{\"a\":";
        String close = open.equals("[") ? "]" : "}";
        return "{\"campaign_ids\":" + open.repeat(depth) + "1" + close.repeat(depth) + "}";
    }

    private Object randomValue(int depth) {
        return switch (random.nextInt(depth > 3 ? 6 : 8)) {
            case 0 -> null;
            case 1 -> random.nextBoolean();
            case 2 -> random.nextLong();
            case 3 -> random.nextDouble();
            case 4, 5 -> hostile();
            case 6 -> {
                List<Object> list = new ArrayList<>();
                for (int i = random.nextInt(4); i > 0; i--) {
                    list.add(randomValue(depth + 1));
                }
                yield list;
            }
            default -> {
                Map<String, Object> map = new LinkedHashMap<>();
                for (int i = random.nextInt(4); i > 0; i--) {
                    map.put(random.nextBoolean() ? pick(List.of("campaign_ids", "date_range", "$ne", "$in", "$or", "id")) : hostile(),
                            randomValue(depth + 1));
                }
                yield map;
            }
        };
    }

    private String hostile() {
        return random.nextInt(3) == 0 ? randomText(1 + random.nextInt(20)) : pick(HOSTILE);
    }

    private String validId() {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
        StringBuilder s = new StringBuilder();
        for (int i = 1 + random.nextInt(64); i > 0; i--) {
            s.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return s.toString();
    }

    private String randomText(int length) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < length; i++) {
            s.appendCodePoint(switch (random.nextInt(5)) {
                case 0 -> random.nextInt(0x20);
                case 1 -> 0x20 + random.nextInt(0x5F);
                case 2 -> 0xA0 + random.nextInt(0x3000);
                case 3 -> 0xD800 + random.nextInt(0x800);
                default -> 0x1F300 + random.nextInt(0x300);
            });
        }
        return s.toString();
    }

    private <T> T pick(List<T> values) {
        return values.get(random.nextInt(values.size()));
    }

    private static String json(Object value) {
        try {
            return Json.MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Short, and printable: anything but printable ASCII shown as a \\uXXXX escape. */
    private static String abbreviate(String text) {
        if (text == null) {
            return null;
        }
        String shown = text.length() <= 200 ? text : text.substring(0, 200);
        StringBuilder out = new StringBuilder();
        shown.chars().forEach(c -> out.append(c >= 0x20 && c < 0x7F ? String.valueOf((char) c) : String.format("\\u%04x", c)));
        return out + (text.length() > 200 ? "…(" + text.length() + " chars)" : "");
    }
}
