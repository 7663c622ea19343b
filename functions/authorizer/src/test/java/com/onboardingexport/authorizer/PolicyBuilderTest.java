package com.onboardingexport.authorizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.IamPolicyResponse;
import com.amazonaws.services.lambda.runtime.serialization.factories.JacksonFactory;
import com.fasterxml.jackson.core.type.TypeReference;
import com.onboardingexport.shared.AuthorizerContext;
import com.onboardingexport.shared.Json;
import java.io.ByteArrayOutputStream;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class PolicyBuilderTest {
    private static final MethodArn ARN = MethodArn.parse("arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/dev/POST/exports/onboarding");
    private final PolicyBuilder policies = new PolicyBuilder();

    /** The policy's context as the Lambda Java runtime serializes it for API Gateway. */
    private static Map<String, Object> wireContext(IamPolicyResponse response) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        JacksonFactory.getInstance().getSerializer(IamPolicyResponse.class).toJson(response, out);
        return Json.MAPPER.convertValue(Json.MAPPER.readTree(out.toByteArray()).path("context"), new TypeReference<>() { });
    }

    @Test
    @DisplayName("an Allow's context is the decision's AuthorizerContext: userId as text, role, clientId")
    void allowCarriesTheDecisionsContext() throws Exception {
        Decision client = Decision.allow(2, "client", "ok7sykjomv01v9m14hxdgieh");
        assertEquals(new AuthorizerContext("2", "client", "ok7sykjomv01v9m14hxdgieh"), client.context());
        IamPolicyResponse response = policies.allow(ARN, client);
        assertEquals(Map.of("userId", "2", "role", "client", "clientId", "ok7sykjomv01v9m14hxdgieh"), wireContext(response));
        assertEquals("2", response.getPrincipalId());
    }

    @Test
    @DisplayName("the context sent reads back, on the export side, as the same AuthorizerContext (admin: clientId '')")
    void contextRoundTrips() throws Exception {
        Decision admin = Decision.allow(1, "admin", "");
        assertEquals(admin.context(), AuthorizerContext.from(wireContext(policies.allow(ARN, admin))));
    }

    @Test
    @DisplayName("a Deny carries no context, and allow refuses a deny decision")
    void denyHasNoContext() throws Exception {
        Decision blocked = Decision.deny(5, "client", "blocked");
        assertTrue(wireContext(policies.deny(ARN, blocked)).isEmpty());
        assertThrows(IllegalArgumentException.class, () -> policies.allow(ARN, blocked));
    }
}
