package com.onboardingexport.authorizer;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.amazonaws.services.lambda.runtime.events.IamPolicyResponse;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class AuthorizerPrimingTest {
    private final AuthorizerPriming priming = new AuthorizerPriming(new AccessDecider("admin", "client"), new PolicyBuilder());

    @Test
    @DisplayName("beforeCheckpoint never throws, and afterRestore neither")
    void neverThrows() {
        assertDoesNotThrow(() -> priming.beforeCheckpoint(null));
        assertDoesNotThrow(() -> priming.afterRestore(null));
    }

    @Test
    @DisplayName("priming really runs the request path (verify, parse, decide, allow) on its own made-up data")
    void runsTheRequestPath() throws Exception {
        IamPolicyResponse policy = priming.prime();
        assertEquals("1", policy.getPrincipalId());
        assertEquals("priming", policy.getContext().get("clientId"));
    }

    @Test
    @DisplayName("with role names that do not match the sample user, priming still does not throw")
    void otherRoleNames() {
        AuthorizerPriming renamed = new AuthorizerPriming(new AccessDecider("boss", "customer"), new PolicyBuilder());
        assertDoesNotThrow(() -> renamed.beforeCheckpoint(null));
    }
}
