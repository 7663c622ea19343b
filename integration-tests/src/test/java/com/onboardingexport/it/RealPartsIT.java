package com.onboardingexport.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/** The fixtures are the real thing: a live Strapi, an S3 server that checks signatures, the real SDK client for secrets. */
class RealPartsIT {
    private final RealParts parts = RealParts.get();
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    @DisplayName("Strapi's own /api/auth/local issues an HS256 JWT signed with the users-permissions secret")
    void strapiIssuesRealJwts() {
        String jwt = parts.login("client-a@onboarding.test");
        var verified = JWT.require(Algorithm.HMAC256(parts.strapi.jwtSecret())).build().verify(jwt);
        assertTrue(verified.getClaim("id").asLong() > 0);
        assertTrue(verified.getExpiresAt() != null);
    }

    @Test
    @DisplayName("a filtered, populated Strapi query returns seeded rows, and the page size is clamped to 100")
    void strapiAnswersFilteredPopulatedQueries() {
        JsonNode page = parts.strapi.get("/api/campaign-onboarding-responses"
                + "?filters[campaign][client][name][$eq]=Acme%20Corp"
                + "&populate[campaign][populate][client][fields][0]=name&pagination[pageSize]=500");
        assertEquals(100, page.path("meta").path("pagination").path("pageSize").asInt());
        assertTrue(page.path("meta").path("pagination").path("total").asInt() > 100);
        for (JsonNode row : page.path("data")) {
            assertEquals("Acme Corp", row.path("campaign").path("client").path("name").asText());
        }
    }

    @Test
    @DisplayName("S3: an object written is read back; its presigned GET works; a tampered one gets 403")
    void s3ChecksSignatures() throws Exception {
        try (S3Client s3 = parts.s3.client(); var presigner = parts.s3.presigner()) {
            s3.putObject(b -> b.bucket(RealParts.BUCKET).key("fixtures/hello.txt"), RequestBody.fromString("hello, S3"));
            assertEquals("hello, S3", s3.getObjectAsBytes(b -> b.bucket(RealParts.BUCKET).key("fixtures/hello.txt")).asUtf8String());

            URI url = presigner.presignGetObject(b -> b.signatureDuration(Duration.ofMinutes(5))
                    .getObjectRequest(g -> g.bucket(RealParts.BUCKET).key("fixtures/hello.txt"))).url().toURI();
            HttpResponse<String> ok = http.send(HttpRequest.newBuilder(url).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, ok.statusCode());
            assertEquals("hello, S3", ok.body());

            URI tampered = URI.create(url.toString().replace("hello.txt", "hello.tx%74").replace("X-Amz-Expires=300", "X-Amz-Expires=301"));
            HttpResponse<String> refused = http.send(HttpRequest.newBuilder(tampered).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(403, refused.statusCode());
        }
    }

    @Test
    @DisplayName("moto's Secrets Manager answers the real SDK client with each secret")
    void secretsThroughTheRealSdkClient() {
        assertEquals(parts.strapi.apiToken(), parts.apiTokenSecret().value());
        assertEquals(parts.strapi.jwtSecret(),
                new com.onboardingexport.shared.CachedSecret(parts.secretsManagerClient(), parts.jwtSecretArn, Duration.ZERO).value());
    }
}
