package com.onboardingexport.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.auth0.jwt.JWT;
import com.fasterxml.jackson.databind.JsonNode;
import com.onboardingexport.local.services.LocalStrapi;
import com.onboardingexport.shared.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The dev Strapi's permissions, as the README's "Deploying" section documents them: the API token
 * reaches exactly what the export reads (AuthorizerIT and ExportIT, which run with it, prove that it
 * is enough), and no user can give itself a client.
 */
class StrapiPermissionsIT {
    private final RealParts parts = RealParts.get();
    private final HttpClient http = HttpClient.newHttpClient();

    private record Answer(int status, JsonNode body) {
    }

    private Answer send(String method, String pathAndQuery, String bearer, String jsonBody) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(parts.strapi.url() + pathAndQuery))
                .method(method, jsonBody == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(jsonBody))
                .header("Content-Type", "application/json");
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), response.body().isEmpty() ? null : Json.MAPPER.readTree(response.body()));
        } catch (IOException e) {
            throw new IllegalStateException(method + " " + pathAndQuery, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static long idOf(String jwt) {
        return JWT.decode(jwt).getClaim("id").asLong();
    }

    /** A user as the authorizer reads it: with the API token, role and client populated. */
    private JsonNode userWithRoleAndClient(long id) {
        return parts.strapi.get("/api/users/" + id + "?populate[role]=true&populate[client]=true");
    }

    private String firstDocumentId(String collection) {
        return parts.strapi.get("/api/" + collection + "?pagination[pageSize]=1").path("data").get(0).path("documentId").asText();
    }

    // ---- the API token: enough, and no more

    @Test
    @DisplayName("API token: a user read by id keeps its populated role and client (role.find and client.find granted)")
    void tokenReadsUsersWithRoleAndClient() {
        JsonNode admin = userWithRoleAndClient(idOf(parts.login("admin@onboarding.test")));
        assertEquals("admin", admin.path("role").path("type").asText(), admin.toString());
        JsonNode clientA = userWithRoleAndClient(idOf(parts.login("client-a@onboarding.test")));
        assertEquals("client", clientA.path("role").path("type").asText(), clientA.toString());
        assertEquals("Acme Corp", clientA.path("client").path("name").asText(), clientA.toString());
    }

    @Test
    @DisplayName("API token: responses with their campaign and its client, and campaigns with their client, are read")
    void tokenReadsResponsesCampaignsClients() {
        JsonNode response = parts.strapi.get("/api/campaign-onboarding-responses?populate[campaign][populate][client]=true&pagination[pageSize]=1")
                .path("data").get(0);
        assertTrue(response.path("campaign").path("client").path("name").isTextual(), response.toString());
        JsonNode campaign = parts.strapi.get("/api/campaigns?populate[client]=true&pagination[pageSize]=1").path("data").get(0);
        assertTrue(campaign.path("client").path("name").isTextual(), campaign.toString());
        assertEquals(3, parts.strapi.get("/api/clients").path("data").size());
    }

    @Test
    @DisplayName("API token: every route outside its five permissions answers 403 (no list of users, no findOne, no writes)")
    void tokenReachesNothingElse() {
        String token = parts.strapi.apiToken();
        String response = firstDocumentId("campaign-onboarding-responses");
        String campaign = firstDocumentId("campaigns");
        String client = firstDocumentId("clients");
        long clientB = idOf(parts.login("client-b@onboarding.test"));
        String[][] refused = {
                {"GET", "/api/users", null},
                {"GET", "/api/users/count", null},
                {"GET", "/api/users/me", null},
                {"POST", "/api/users", "{\"username\":\"x\",\"email\":\"x@onboarding.test\",\"password\":\"Passw0rd!\"}"},
                {"PUT", "/api/users/" + clientB, "{\"client\":null}"},
                {"DELETE", "/api/users/" + clientB, null},
                {"GET", "/api/users-permissions/roles/1", null},
                {"POST", "/api/users-permissions/roles", "{\"name\":\"x\",\"description\":\"x\",\"type\":\"x\"}"},
                {"GET", "/api/campaign-onboarding-responses/" + response, null},
                {"POST", "/api/campaign-onboarding-responses", "{\"data\":{\"respondentName\":\"x\"}}"},
                {"PUT", "/api/campaign-onboarding-responses/" + response, "{\"data\":{\"respondentName\":\"x\"}}"},
                {"DELETE", "/api/campaign-onboarding-responses/" + response, null},
                {"GET", "/api/campaigns/" + campaign, null},
                {"POST", "/api/campaigns", "{\"data\":{\"name\":\"x\"}}"},
                {"PUT", "/api/campaigns/" + campaign, "{\"data\":{\"name\":\"x\"}}"},
                {"GET", "/api/clients/" + client, null},
                {"POST", "/api/clients", "{\"data\":{\"name\":\"x\"}}"},
                {"DELETE", "/api/clients/" + client, null},
        };
        List<String> reached = new ArrayList<>();
        for (String[] route : refused) {
            int status = send(route[0], route[1], token, route[2]).status();
            if (status != 403) {
                reached.add(route[0] + " " + route[1] + " -> " + status);
            }
        }
        assertEquals(List.of(), reached);
    }

    // ---- users cannot choose their client

    @Test
    @DisplayName("register with a client field: 400 'Invalid parameters: client', and no user is created")
    void registerCannotSetClient() {
        long acme = parts.strapi.get("/api/clients?filters[name][$eq]=Acme%20Corp").path("data").get(0).path("id").asLong();
        String email = "mallory-" + UUID.randomUUID() + "@onboarding.test";
        for (String client : new String[] {String.valueOf(acme), "{\"connect\":[" + acme + "]}"}) {
            Answer answer = send("POST", "/api/auth/local/register", null, "{\"username\":\"" + email + "\",\"email\":\"" + email
                    + "\",\"password\":\"" + LocalStrapi.DEV_PASSWORD + "\",\"client\":" + client + "}");
            assertEquals(400, answer.status(), String.valueOf(answer.body()));
            assertEquals("Invalid parameters: client", answer.body().path("error").path("message").asText());
        }
        Answer login = send("POST", "/api/auth/local", null,
                "{\"identifier\":\"" + email + "\",\"password\":\"" + LocalStrapi.DEV_PASSWORD + "\"}");
        assertEquals(400, login.status(), "the refused registration created a user");
    }

    @Test
    @DisplayName("a registered user (authenticated role) has no client and cannot give itself one: PUT /api/users/:id and /me are 403")
    void registeredUserCannotSetItsClient() {
        long acme = parts.strapi.get("/api/clients?filters[name][$eq]=Acme%20Corp").path("data").get(0).path("id").asLong();
        String email = "eve-" + UUID.randomUUID() + "@onboarding.test";
        Answer registered = send("POST", "/api/auth/local/register", null, "{\"username\":\"" + email + "\",\"email\":\"" + email
                + "\",\"password\":\"" + LocalStrapi.DEV_PASSWORD + "\"}");
        assertEquals(200, registered.status(), String.valueOf(registered.body()));
        String jwt = registered.body().path("jwt").asText();
        long id = registered.body().path("user").path("id").asLong();

        for (String path : new String[] {"/api/users/" + id, "/api/users/me"}) {
            assertEquals(403, send("PUT", path, jwt, "{\"client\":" + acme + "}").status(), path);
        }
        JsonNode user = userWithRoleAndClient(id);
        assertEquals("authenticated", user.path("role").path("type").asText(), user.toString());
        assertTrue(user.path("client").isNull(), user.toString());
    }

    @Test
    @DisplayName("a client user cannot move itself to another client: PUT /api/users/:id is 403 and its client is unchanged")
    void clientUserCannotMoveItself() {
        long globex = parts.strapi.get("/api/clients?filters[name][$eq]=Globex,%20Inc.").path("data").get(0).path("id").asLong();
        String jwt = parts.login("client-a@onboarding.test");
        long id = idOf(jwt);
        assertEquals(403, send("PUT", "/api/users/" + id, jwt, "{\"client\":" + globex + "}").status());
        assertEquals("Acme Corp", userWithRoleAndClient(id).path("client").path("name").asText());
    }
}
