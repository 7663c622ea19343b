package com.onboardingexport.shared;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class AuthorizerContextTest {

    @Test
    @DisplayName("toContext: the three keys userId, role, clientId, each a string, in that order")
    void toContextHasTheThreeKeys() throws Exception {
        Map<String, Object> context = AuthorizerContext.of(2, "client", "ok7sykjomv01v9m14hxdgieh").toContext();
        assertEquals(Map.of("userId", "2", "role", "client", "clientId", "ok7sykjomv01v9m14hxdgieh"), context);
        assertEquals(List.of("userId", "role", "clientId"), List.copyOf(context.keySet()));
        assertEquals("{\"userId\":\"2\",\"role\":\"client\",\"clientId\":\"ok7sykjomv01v9m14hxdgieh\"}",
                Json.MAPPER.writeValueAsString(context));
    }

    @Test
    @DisplayName("an admin's context has an empty clientId, not a missing one")
    void adminHasEmptyClientId() {
        assertEquals(Map.of("userId", "1", "role", "admin", "clientId", ""), AuthorizerContext.of(1, "admin", "").toContext());
    }

    @Test
    @DisplayName("from reads what API Gateway hands on: the three keys back, its principalId and integrationLatency left out")
    void fromReadsTheGatewaysAuthorizerMap() {
        Map<String, Object> received = new HashMap<>(AuthorizerContext.of(7, "client", "acme").toContext());
        received.put("principalId", "7");
        received.put("integrationLatency", 12);
        assertEquals(new AuthorizerContext("7", "client", "acme"), AuthorizerContext.from(received));
    }

    @Test
    @DisplayName("from: no map, or missing keys, read as empty text; a non-text value as its text")
    void fromFillsInEmptyText() {
        assertEquals(new AuthorizerContext("", "", ""), AuthorizerContext.from(null));
        assertEquals(new AuthorizerContext("", "", ""), AuthorizerContext.from(Map.of()));
        Map<String, Object> partial = new HashMap<>();
        partial.put("userId", 3L);
        partial.put("role", null);
        assertEquals(new AuthorizerContext("3", "", ""), AuthorizerContext.from(partial));
    }

    @Test
    @DisplayName("no field may be null: an Allow always sends all three")
    void refusesNull() {
        assertThrows(NullPointerException.class, () -> new AuthorizerContext(null, "admin", ""));
        assertThrows(NullPointerException.class, () -> AuthorizerContext.of(1, null, ""));
        assertThrows(NullPointerException.class, () -> AuthorizerContext.of(1, "admin", null));
    }
}
