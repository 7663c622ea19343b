package com.onboardingexport.authorizer;

import java.time.Instant;

/** What a valid Strapi token says: whose it is and until when. */
public record VerifiedToken(long userId, Instant expiresAt) {
}
