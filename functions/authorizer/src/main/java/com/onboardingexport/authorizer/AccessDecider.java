package com.onboardingexport.authorizer;

import java.util.Objects;
import java.util.Optional;

/**
 * Who may export: a confirmed, unblocked user whose role type is the configured admin type, or the
 * configured client type with a client. Everyone else is denied.
 */
public final class AccessDecider {
    private final String adminRoleType;
    private final String clientRoleType;

    public AccessDecider(String adminRoleType, String clientRoleType) {
        this.adminRoleType = requireText(adminRoleType, "adminRoleType");
        this.clientRoleType = requireText(clientRoleType, "clientRoleType");
        if (adminRoleType.equals(clientRoleType)) {
            throw new IllegalArgumentException("The admin and client role types must differ");
        }
    }

    public Decision decide(long userId, Optional<StrapiUser> found) {
        if (found.isEmpty()) {
            return Decision.deny(userId, "", "unknown_user");
        }
        StrapiUser user = found.get();
        String role = user.roleType() == null ? "" : user.roleType();
        if (user.blocked()) {
            return Decision.deny(userId, role, "blocked");
        }
        if (!user.confirmed()) {
            return Decision.deny(userId, role, "unconfirmed");
        }
        if (adminRoleType.equals(role)) {
            return Decision.allow(userId, role, "");
        }
        if (clientRoleType.equals(role)) {
            return user.clientId() == null
                    ? Decision.deny(userId, role, "client_without_client")
                    : Decision.allow(userId, role, user.clientId());
        }
        return Decision.deny(userId, role, role.isEmpty() ? "no_role" : "role_not_allowed");
    }

    private static String requireText(String value, String name) {
        if (Objects.requireNonNull(value, name).isBlank()) {
            throw new IllegalArgumentException(name + " is blank");
        }
        return value;
    }
}
