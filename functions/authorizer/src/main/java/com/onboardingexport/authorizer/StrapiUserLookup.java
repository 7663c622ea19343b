package com.onboardingexport.authorizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.onboardingexport.shared.Deadline;
import com.onboardingexport.shared.StrapiClient;
import com.onboardingexport.shared.StrapiException;
import com.onboardingexport.shared.StrapiQuery;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code GET /api/users/<id>?populate[role]=true&populate[client]=true} with the server's API token
 * (an ordinary user's own token cannot read its role). Strapi's users-permissions routes answer
 * flat objects, relations included, on v4 and v5 alike (no {@code data/attributes} wrappers); a v4
 * client has no {@code documentId}, so its numeric id is used.
 */
public final class StrapiUserLookup implements UserLookup {
    private static final StrapiQuery POPULATE = new StrapiQuery()
            .add("populate[role]", "true")
            .add("populate[client]", "true");

    private final StrapiClient strapi;

    public StrapiUserLookup(StrapiClient strapi) {
        this.strapi = Objects.requireNonNull(strapi, "strapi");
    }

    @Override
    public Optional<StrapiUser> find(long userId, Deadline deadline) {
        JsonNode user;
        try {
            user = strapi.get("users/" + userId, POPULATE, deadline);
        } catch (StrapiException e) {
            if (e.httpStatus() == 404) {
                return Optional.empty();
            }
            throw e;
        }
        return parse(userId, user);
    }

    /** Reads Strapi's answer; an empty one (Strapi answers an unknown id with no body) means no such user. */
    static Optional<StrapiUser> parse(long userId, JsonNode user) {
        if (user == null || user.isMissingNode() || user.isNull() || user.isEmpty()) {
            return Optional.empty();
        }
        if (user.path("id").asLong(-1) != userId) {
            throw new IllegalStateException("Strapi answered user " + user.path("id") + " when asked for user " + userId);
        }
        JsonNode role = user.path("role");
        JsonNode client = user.path("client");
        return Optional.of(new StrapiUser(
                userId,
                // Only an explicit false lets a user through: a missing flag refuses.
                !user.path("blocked").isBoolean() || user.path("blocked").booleanValue(),
                user.path("confirmed").isBoolean() && user.path("confirmed").booleanValue(),
                text(role.get("type")),
                clientId(client)));
    }

    private static String clientId(JsonNode client) {
        if (!client.isObject()) {
            return null;
        }
        String documentId = text(client.get("documentId"));
        if (documentId != null) {
            return documentId;
        }
        JsonNode id = client.get("id");
        return id != null && id.canConvertToLong() && id.asLong() > 0 ? Long.toString(id.asLong()) : null;
    }

    private static String text(JsonNode node) {
        return node != null && node.isTextual() && !node.asText().isBlank() ? node.asText() : null;
    }
}
