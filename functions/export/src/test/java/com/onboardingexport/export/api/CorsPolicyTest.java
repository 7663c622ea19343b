package com.onboardingexport.export.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class CorsPolicyTest {
    @Test
    @DisplayName("nothing is allowed by default")
    void noneByDefault() {
        assertEquals(Optional.empty(), CorsPolicy.parse("").allowedOrigin(Map.of("Origin", "https://app.example.com")));
        assertEquals(Optional.empty(), CorsPolicy.parse(null).allowedOrigin(Map.of("origin", "http://localhost:3000")));
    }

    @Test
    @DisplayName("exact origins match exactly: scheme, host and port, whatever the header name's case")
    void exactOrigins() {
        CorsPolicy cors = CorsPolicy.parse("https://app.example.com,https://admin.example.com:8443");
        assertEquals(Optional.of("https://app.example.com"), cors.allowedOrigin(Map.of("origin", "https://app.example.com")));
        assertEquals(Optional.of("https://admin.example.com:8443"), cors.allowedOrigin(Map.of("ORIGIN", "https://admin.example.com:8443")));
        assertFalse(cors.allows("http://app.example.com"));
        assertFalse(cors.allows("https://app.example.com:444"));
        assertFalse(cors.allows("https://app.example.com.evil.test"));
        assertFalse(cors.allows("https://evil.test/https://app.example.com"));
        assertFalse(cors.allows("null"));
        assertEquals(Optional.empty(), cors.allowedOrigin(null));
    }

    @Test
    @DisplayName("host:* allows that scheme and host on any port, and nothing else")
    void anyPort() {
        CorsPolicy cors = CorsPolicy.parse("http://localhost:*, http://127.0.0.1:*");
        assertTrue(cors.allows("http://localhost:5173"));
        assertTrue(cors.allows("http://localhost"));
        assertTrue(cors.allows("http://127.0.0.1:8080"));
        assertFalse(cors.allows("https://localhost:5173"));
        assertFalse(cors.allows("http://localhost.evil.test"));
        assertFalse(cors.allows("http://localhost:5173.evil.test"));
        assertFalse(cors.allows("http://localhost:abc"));
    }

    @Test
    @DisplayName("an answer names an allowed origin and varies on Origin; for another origin it names none")
    void applied() {
        CorsPolicy cors = CorsPolicy.parse("https://app.example.com");
        APIGatewayProxyResponseEvent allowed = cors.apply(new APIGatewayProxyResponseEvent().withHeaders(new HashMap<>()),
                Map.of("Origin", "https://app.example.com"));
        assertEquals("https://app.example.com", allowed.getHeaders().get("Access-Control-Allow-Origin"));
        assertEquals("Origin", allowed.getHeaders().get("Vary"));
        assertEquals("Retry-After, X-Request-Id", allowed.getHeaders().get("Access-Control-Expose-Headers"));
        assertFalse(allowed.getHeaders().containsKey("Access-Control-Allow-Credentials"));

        APIGatewayProxyResponseEvent other = cors.apply(new APIGatewayProxyResponseEvent().withHeaders(new HashMap<>()),
                Map.of("Origin", "https://evil.test"));
        assertEquals(Map.of("Vary", "Origin"), other.getHeaders());
    }
}
