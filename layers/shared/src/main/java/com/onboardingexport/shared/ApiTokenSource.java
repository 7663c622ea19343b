package com.onboardingexport.shared;

/**
 * Where {@link StrapiClient} gets the server's API token. {@link #refresh()} is called once when
 * Strapi answers 401, so a token rotated in Secrets Manager is picked up without a redeploy.
 */
@FunctionalInterface
public interface ApiTokenSource {
    String token();

    /** Forget the value held, so the next {@link #token()} reads it anew. */
    default void refresh() {
    }
}
