package com.onboardingexport.authorizer;

/**
 * A Strapi users-permissions user as the authorizer needs it.
 *
 * @param roleType the role's {@code type} ({@code admin}, {@code client}, ...), null if it has none
 * @param clientId the user's client: its {@code documentId} (Strapi 5) or numeric id (Strapi 4); null if none
 */
public record StrapiUser(long id, boolean blocked, boolean confirmed, String roleType, String clientId) {
}
