package com.onboardingexport.export;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.onboardingexport.shared.Json;
import com.onboardingexport.shared.StrapiClient;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * A small Strapi 5 in process (the JDK's HTTP server): two clients, each with one campaign
 * ({@code acme}'s {@code spring}, {@code globex}'s {@code autumn}), and as many onboarding responses
 * as a test asks for, alternating between the two campaigns. It answers the filters the export
 * sends (client, campaigns, {@code id > n}, page size) and ignores the dates: every response is in
 * every window. {@link #failWith} makes it answer an error instead.
 */
public final class FakeStrapi implements AutoCloseable {
    public static final String ACME = "acme";
    public static final String GLOBEX = "globex";
    public static final String SPRING = "spring";
    public static final String AUTUMN = "autumn";

    private final HttpServer server;
    private volatile int responses;
    private volatile int failWith;
    private final List<String> queries = new java.util.concurrent.CopyOnWriteArrayList<>();

    public FakeStrapi(int responses) throws IOException {
        this.responses = responses;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/api/campaign-onboarding-responses", exchange -> answer(exchange, this::responsesPage));
        server.createContext("/api/campaigns", exchange -> answer(exchange, this::campaignsPage));
        server.start();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public StrapiClient client() {
        return new StrapiClient(URI.create(url()), () -> "api-token", StrapiClient.defaultHttpClient(Duration.ofSeconds(1)),
                Duration.ofSeconds(2), 1);
    }

    /** Every request so far, as {@code /api/<collection>?<decoded query>}. */
    public List<String> queries() {
        return List.copyOf(queries);
    }

    public void setResponses(int count) {
        responses = count;
    }

    /** From now on, every request is answered with this HTTP status and Strapi's error body; 0: answer again. */
    public void failWith(int status) {
        failWith = status;
    }

    private void answer(HttpExchange exchange, java.util.function.Function<Query, ObjectNode> page) throws IOException {
        Query query = Query.of(exchange.getRequestURI().getRawQuery());
        queries.add(exchange.getRequestURI().getPath() + "?" + URLDecoder.decode(String.valueOf(exchange.getRequestURI().getRawQuery()),
                StandardCharsets.UTF_8));
        int status = failWith == 0 ? 200 : failWith;
        ObjectNode body = failWith == 0 ? page.apply(query) : error(failWith);
        byte[] bytes = Json.MAPPER.writeValueAsBytes(body);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    private ObjectNode responsesPage(Query query) {
        String client = query.first("filters[campaign][client][documentId][$eq]");
        List<String> campaigns = query.all("filters[campaign][documentId][$in]");
        long after = Long.parseLong(query.firstOr("filters[id][$gt]", "0"));
        int pageSize = Integer.parseInt(query.firstOr("pagination[pageSize]", "25"));
        boolean descending = "id:desc".equals(query.first("sort[0]"));
        Predicate<Integer> matches = id -> (client == null || client.equals(clientOf(id)))
                && (campaigns.isEmpty() || campaigns.contains(campaignOf(id)));
        List<Integer> ids = new ArrayList<>();
        for (int id = 1; id <= responses; id++) {
            if (matches.test(id)) {
                ids.add(id);
            }
        }
        long total = ids.size();
        if (descending) {
            java.util.Collections.reverse(ids);
        }
        ArrayNode data = Json.MAPPER.createArrayNode();
        ids.stream().filter(id -> id > after).limit(pageSize).forEach(id -> data.add(response(id)));
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.set("data", data);
        body.putObject("meta").putObject("pagination").put("page", 1).put("pageSize", pageSize).put("pageCount", 1).put("total", total);
        return body;
    }

    private ObjectNode campaignsPage(Query query) {
        String client = query.first("filters[client][documentId][$eq]");
        ArrayNode data = Json.MAPPER.createArrayNode();
        for (String campaign : query.all("filters[documentId][$in]")) {
            boolean known = SPRING.equals(campaign) || AUTUMN.equals(campaign);
            if (known && (client == null || client.equals(SPRING.equals(campaign) ? ACME : GLOBEX))) {
                data.addObject().put("id", SPRING.equals(campaign) ? 3 : 4).put("documentId", campaign)
                        .put("name", SPRING.equals(campaign) ? "Spring" : "Autumn");
            }
        }
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.set("data", data);
        return body;
    }

    private static String campaignOf(int id) {
        return id % 2 == 1 ? SPRING : AUTUMN;
    }

    private static String clientOf(int id) {
        return id % 2 == 1 ? ACME : GLOBEX;
    }

    private static ObjectNode response(int id) {
        boolean spring = SPRING.equals(campaignOf(id));
        ObjectNode entry = Json.MAPPER.createObjectNode().put("id", id).put("documentId", "r" + id)
                .put("respondentName", "Respondent " + id).put("progress", "completed")
                .put("submittedAt", "2026-03-01T10:00:" + String.format("%02d", id % 60) + ".000Z");
        entry.putObject("answers").put("company", "Company " + id);
        ObjectNode campaign = entry.putObject("campaign").put("id", spring ? 3 : 4).put("documentId", campaignOf(id))
                .put("name", spring ? "Spring" : "Autumn");
        campaign.putObject("client").put("id", spring ? 7 : 8).put("documentId", clientOf(id)).put("name", spring ? "Acme" : "Globex");
        return entry;
    }

    private static ObjectNode error(int status) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.putNull("data");
        body.putObject("error").put("status", status).put("name", "InternalServerError").put("message", "Internal Server Error");
        return body;
    }

    /** The decoded query: {@code key=value} pairs in order; an indexed key ({@code …[$in][0]}) read by its prefix. */
    private record Query(List<String[]> pairs) {
        static Query of(String raw) {
            List<String[]> pairs = new ArrayList<>();
            if (raw != null) {
                for (String pair : raw.split("&")) {
                    int eq = pair.indexOf('=');
                    pairs.add(new String[] {URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8),
                            eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8)});
                }
            }
            return new Query(pairs);
        }

        String first(String key) {
            return pairs.stream().filter(p -> p[0].equals(key)).map(p -> p[1]).findFirst().orElse(null);
        }

        String firstOr(String key, String fallback) {
            String value = first(key);
            return value == null ? fallback : value;
        }

        List<String> all(String prefix) {
            return pairs.stream().filter(p -> p[0].startsWith(prefix + "[")).map(p -> p[1]).toList();
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
