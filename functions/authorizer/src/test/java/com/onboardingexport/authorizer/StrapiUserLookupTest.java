package com.onboardingexport.authorizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.onboardingexport.shared.ApiException;
import com.onboardingexport.shared.Deadline;
import com.onboardingexport.shared.Json;
import com.onboardingexport.shared.StrapiClient;
import com.onboardingexport.shared.StrapiException;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Reading Strapi's answer to {@code GET /api/users/:id?populate[role]=true&populate[client]=true}.
 * The resources under strapi/ are verbatim answers of the dev Strapi (5.54.0) for the seed users;
 * the call itself against the real Strapi is in integration-tests (AuthorizerIT). Here, the request
 * the lookup sends and its reading of HTTP errors are checked against a local HTTP server.
 */
class StrapiUserLookupTest {

    private static JsonNode answer(int id) throws IOException {
        try (InputStream in = StrapiUserLookupTest.class.getResourceAsStream("/strapi/user-" + id + ".json")) {
            return Json.MAPPER.readTree(in);
        }
    }

    private static StrapiUser parsed(int id) throws IOException {
        return StrapiUserLookup.parse(id, answer(id)).orElseThrow();
    }

    @Test
    @DisplayName("seed users as Strapi 5 answers them")
    void seedUsers() throws IOException {
        assertEquals(new StrapiUser(1, false, true, "admin", null), parsed(1));
        assertEquals(new StrapiUser(2, false, true, "client", "ok7sykjomv01v9m14hxdgieh"), parsed(2));
        assertEquals(new StrapiUser(4, true, true, "client", "ok7sykjomv01v9m14hxdgieh"), parsed(4));
        assertEquals(new StrapiUser(5, false, false, "client", "ok7sykjomv01v9m14hxdgieh"), parsed(5));
        assertEquals(new StrapiUser(6, false, true, "authenticated", null), parsed(6));
        assertEquals(new StrapiUser(7, false, true, "client", null), parsed(7));
    }

    @Test
    @DisplayName("an empty answer (Strapi 5 answers an unknown id with 204 and no body) is 'no such user'")
    void emptyAnswer() {
        assertEquals(Optional.empty(), StrapiUserLookup.parse(99, MissingNode.getInstance()));
        assertEquals(Optional.empty(), StrapiUserLookup.parse(99, NullNode.getInstance()));
        assertEquals(Optional.empty(), StrapiUserLookup.parse(99, Json.MAPPER.createObjectNode()));
    }

    @Test
    @DisplayName("missing blocked/confirmed flags refuse rather than allow")
    void missingFlags() throws IOException {
        var user = (com.fasterxml.jackson.databind.node.ObjectNode) answer(1);
        user.remove("blocked");
        user.remove("confirmed");
        StrapiUser parsed = StrapiUserLookup.parse(1, user).orElseThrow();
        assertTrue(parsed.blocked());
        assertTrue(!parsed.confirmed());
    }

    @Test
    @DisplayName("role not populated (the API token may not read roles): no role")
    void roleNotPopulated() throws IOException {
        var user = (com.fasterxml.jackson.databind.node.ObjectNode) answer(2);
        user.remove("role");
        assertEquals(null, StrapiUserLookup.parse(2, user).orElseThrow().roleType());
    }

    @Test
    @DisplayName("Strapi 4 (users-permissions answers flat there too): a client without documentId is named by its numeric id")
    void strapi4Client() throws IOException {
        JsonNode v4 = Json.MAPPER.readTree("""
                {"id": 2, "username": "client-a", "confirmed": true, "blocked": false,
                 "role": {"id": 4, "name": "Client", "type": "client"},
                 "client": {"id": 17, "name": "Acme Corp"}}""");
        assertEquals(new StrapiUser(2, false, true, "client", "17"), StrapiUserLookup.parse(2, v4).orElseThrow());
    }

    @Test
    @DisplayName("an answer about another user is an error, not a decision")
    void wrongUser() throws IOException {
        JsonNode admin = answer(1);
        assertThrows(IllegalStateException.class, () -> StrapiUserLookup.parse(2, admin));
    }

    @Test
    @DisplayName("find: GET /api/users/<id>?populate[role]=true&populate[client]=true with the API token; 404 is 'no such user'; other errors are thrown")
    void findOverHttp() throws IOException {
        List<String> requests = new CopyOnWriteArrayList<>();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            try (exchange) {
                requests.add(exchange.getRequestURI().getRawPath() + "?" + exchange.getRequestURI().getRawQuery()
                        + " " + exchange.getRequestHeaders().getFirst("Authorization"));
                String path = exchange.getRequestURI().getPath();
                int status = path.endsWith("/2") ? 200 : path.endsWith("/404") ? 404 : 500;
                byte[] body = status == 200 ? answer(2).toString().getBytes()
                        : ("{\"data\":null,\"error\":{\"status\":" + status + "}}").getBytes();
                exchange.sendResponseHeaders(status, body.length);
                exchange.getResponseBody().write(body);
            }
        });
        server.start();
        try {
            Duration timeout = Duration.ofSeconds(2);
            StrapiUserLookup lookup = new StrapiUserLookup(new StrapiClient(
                    URI.create("http://127.0.0.1:" + server.getAddress().getPort()), () -> "api-token",
                    StrapiClient.defaultHttpClient(timeout), timeout, 1));
            Deadline deadline = Deadline.in(timeout);

            assertEquals("ok7sykjomv01v9m14hxdgieh", lookup.find(2, deadline).orElseThrow().clientId());
            assertEquals("/api/users/2?populate%5Brole%5D=true&populate%5Bclient%5D=true Bearer api-token", requests.get(0));
            assertEquals(Optional.empty(), lookup.find(404, deadline));
            ApiException error = assertThrows(ApiException.class, () -> lookup.find(500, deadline));
            assertEquals(500, ((StrapiException) error).httpStatus());
        } finally {
            server.stop(0);
        }
    }
}
