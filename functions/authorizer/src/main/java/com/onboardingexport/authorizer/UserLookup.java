package com.onboardingexport.authorizer;

import com.onboardingexport.shared.Deadline;
import java.util.Optional;

/** Finds a Strapi user by numeric id. Empty when Strapi has no such user; throws when Strapi cannot say. */
@FunctionalInterface
public interface UserLookup {
    Optional<StrapiUser> find(long userId, Deadline deadline);
}
