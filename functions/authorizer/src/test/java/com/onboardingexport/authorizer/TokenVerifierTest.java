package com.onboardingexport.authorizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Every refusal asserts its exact reason, so a test fails if the check that gives that reason is
 * removed (another check refusing the same token for another reason does not hide it).
 */
class TokenVerifierTest {
    private final AtomicInteger secretReads = new AtomicInteger();
    private final TokenVerifier verifier = new TokenVerifier(() -> {
        secretReads.incrementAndGet();
        return Tokens.SECRET;
    });

    private InvalidTokenException refused(String header) {
        return assertThrows(InvalidTokenException.class, () -> verifier.verify(header));
    }

    private void assertRefused(String reason, String header) {
        assertEquals(reason, refused(header).reason());
    }

    // ---- accepted shapes

    @Test
    @DisplayName("legacy users-permissions token {id, iat, exp} is accepted")
    void legacyToken() throws Exception {
        VerifiedToken token = verifier.verify("Bearer " + Tokens.legacy(2));
        assertEquals(2, token.userId());
    }

    @Test
    @DisplayName("Strapi 5 session access token {userId: \"5\", sessionId, type: access} is accepted")
    void sessionToken() throws Exception {
        assertEquals(5, verifier.verify("Bearer " + Tokens.session(5)).userId());
    }

    @Test
    @DisplayName("the Bearer scheme is case-insensitive (RFC 7235)")
    void bearerSchemeCaseInsensitive() throws Exception {
        assertEquals(2, verifier.verify("bearer " + Tokens.legacy(2)).userId());
    }

    @Test
    @DisplayName("a token expired 10 s ago is accepted (30 s clock-skew leeway)")
    void withinLeeway() throws Exception {
        String token = Tokens.hs256(Tokens.SECRET, b -> b.withClaim("id", 3).withExpiresAt(Instant.now().minusSeconds(10)));
        assertEquals(3, verifier.verify("Bearer " + token).userId());
    }

    // ---- algorithm

    @Test
    @DisplayName("alg none with an empty signature: 401")
    void algNoneEmptySignature() {
        String token = Tokens.unsigned("{\"alg\":\"none\",\"typ\":\"JWT\"}",
                "{\"id\":1,\"exp\":" + (Tokens.nowSeconds() + 600) + "}", "");
        // An empty signature is already not a signed JWT.
        assertRefused("malformed", "Bearer " + token);
    }

    @Test
    @DisplayName("alg none carrying a genuine HS256 signature: 401 (the algorithm check)")
    void algNoneWithSignature() {
        String[] genuine = Tokens.parts(Tokens.legacy(1));
        String forged = Tokens.encode("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + genuine[1] + "." + genuine[2];
        assertRefused("algorithm", "Bearer " + forged);
        assertEquals(0, secretReads.get(), "refused before the secret is read");
    }

    @Test
    @DisplayName("alg NONE / None spellings: 401")
    void algNoneSpellings() {
        String[] genuine = Tokens.parts(Tokens.legacy(1));
        for (String alg : new String[] {"NONE", "None", "nOnE"}) {
            String forged = Tokens.encode("{\"alg\":\"" + alg + "\"}") + "." + genuine[1] + "." + genuine[2];
            assertRefused("algorithm", "Bearer " + forged);
        }
    }

    @Test
    @DisplayName("HS512 signed with the right secret: 401 (HS256 only)")
    void hs512() {
        assertRefused("algorithm", "Bearer " + Tokens.hs512(b -> b.withClaim("id", 1).withExpiresAt(Instant.now().plusSeconds(600))));
    }

    @Test
    @DisplayName("RS256 header: 401 (HS256 only)")
    void rs256() {
        assertRefused("algorithm", "Bearer " + Tokens.rs256(b -> b.withClaim("id", 1).withExpiresAt(Instant.now().plusSeconds(600))));
    }

    @Test
    @DisplayName("no alg in the header: 401")
    void noAlg() {
        String[] genuine = Tokens.parts(Tokens.legacy(1));
        assertRefused("algorithm", "Bearer " + Tokens.encode("{\"typ\":\"JWT\"}") + "." + genuine[1] + "." + genuine[2]);
    }

    // ---- signature

    @Test
    @DisplayName("HS256 signed with another secret (forged): 401")
    void wrongKey() {
        String token = Tokens.hs256("some-other-secret", b -> b.withClaim("id", 1).withExpiresAt(Instant.now().plusSeconds(600)));
        assertRefused("signature", "Bearer " + token);
    }

    @Test
    @DisplayName("payload tampered (id 2 -> 1), signature kept: 401")
    void tamperedPayload() {
        String[] parts = Tokens.parts(Tokens.legacy(2));
        String payload = Tokens.decode(parts[1]).replace("\"id\":2", "\"id\":1");
        assertFalse(payload.contains("\"id\":2"));
        assertRefused("signature", "Bearer " + parts[0] + "." + Tokens.encode(payload) + "." + parts[2]);
    }

    @Test
    @DisplayName("header tampered (kid added, still HS256), signature kept: 401")
    void tamperedHeader() {
        String[] parts = Tokens.parts(Tokens.legacy(2));
        String header = Tokens.encode("{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"attacker\"}");
        assertRefused("signature", "Bearer " + header + "." + parts[1] + "." + parts[2]);
    }

    @Test
    @DisplayName("signature truncated: 401")
    void truncatedSignature() {
        String token = Tokens.legacy(2);
        assertRefused("signature", "Bearer " + token.substring(0, token.length() - 4));
    }

    // ---- time claims

    @Test
    @DisplayName("expired two minutes ago (beyond the leeway): 401")
    void expired() {
        String token = Tokens.hs256(Tokens.SECRET, b -> b.withClaim("id", 1).withIssuedAt(Instant.now().minusSeconds(3600))
                .withExpiresAt(Instant.now().minusSeconds(120)));
        assertRefused("expired", "Bearer " + token);
    }

    @Test
    @DisplayName("no exp claim: 401 (exp is required)")
    void missingExp() {
        assertRefused("missing_exp", "Bearer " + Tokens.hs256(Tokens.SECRET, b -> b.withClaim("id", 1).withIssuedAt(Instant.now())));
    }

    @Test
    @DisplayName("exp that is not a number: 401")
    void nonNumericExp() {
        String token = Tokens.hs256(Tokens.SECRET, b -> b.withClaim("id", 1).withClaim("exp", "tomorrow"));
        InvalidTokenException e = refused("Bearer " + token);
        // java-jwt refuses it when decoding the payload.
        assertEquals("malformed", e.reason());
    }

    @Test
    @DisplayName("exp null: 401 (only a JSON number counts)")
    void nullExp() {
        assertRefused("claim_exp", "Bearer " + Tokens.hs256Payload("{\"id\":1,\"exp\":null}"));
    }

    @Test
    @DisplayName("exp a numeric string (\"exp\": \"<future seconds>\"): 401")
    void numericStringExp() {
        assertRefused("malformed", "Bearer " + Tokens.hs256Payload("{\"id\":1,\"exp\":\"" + (Tokens.nowSeconds() + 600) + "\"}"));
    }

    @Test
    @DisplayName("exp true, an object or an array: 401")
    void nonNumberExp() {
        for (String exp : new String[] {"true", "{}", "[]", "[" + (Tokens.nowSeconds() + 600) + "]"}) {
            assertRefused("malformed", "Bearer " + Tokens.hs256Payload("{\"id\":1,\"exp\":" + exp + "}"));
        }
    }

    @Test
    @DisplayName("exp missing from a hand-written payload (only id): 401")
    void expAbsentFromPayload() {
        assertRefused("missing_exp", "Bearer " + Tokens.hs256Payload("{\"id\":1}"));
    }

    @Test
    @DisplayName("exp a JSON number in the future, written by hand: accepted (the shape the checks above refuse against)")
    void numberExpAccepted() throws Exception {
        assertEquals(1, verifier.verify("Bearer " + Tokens.hs256Payload("{\"id\":1,\"exp\":" + (Tokens.nowSeconds() + 600) + "}")).userId());
    }

    @Test
    @DisplayName("issued an hour in the future: 401")
    void issuedInFuture() {
        String token = Tokens.hs256(Tokens.SECRET, b -> b.withClaim("id", 1).withIssuedAt(Instant.now().plusSeconds(3600))
                .withExpiresAt(Instant.now().plusSeconds(7200)));
        assertRefused("claim_iat", "Bearer " + token);
    }

    // ---- the JWT secret

    @Test
    @DisplayName("a JWT secret shorter than 32 bytes is refused when read: an error, not a token refusal")
    void shortSecret() {
        String devDefaultBefore = "dev-only-jwt-secret-change-me"; // 29 bytes
        for (String secret : new String[] {devDefaultBefore, "x".repeat(31), "é".repeat(15) + "x"}) {
            TokenVerifier weak = new TokenVerifier(() -> secret);
            String token = Tokens.hs256(secret, b -> b.withClaim("id", 1).withExpiresAt(Instant.now().plusSeconds(600)));
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> weak.verify("Bearer " + token));
            assertEquals("The JWT secret is shorter than 32 bytes (UTF-8)", e.getMessage());
        }
    }

    @Test
    @DisplayName("a JWT secret of exactly 32 bytes is used, counted in UTF-8 bytes (16 × 'é' is 32 bytes)")
    void secretOf32Bytes() throws Exception {
        for (String secret : new String[] {"x".repeat(32), "é".repeat(16)}) {
            String token = Tokens.hs256(secret, b -> b.withClaim("id", 4).withExpiresAt(Instant.now().plusSeconds(600)));
            assertEquals(4, new TokenVerifier(() -> secret).verify("Bearer " + token).userId());
        }
    }

    // ---- user id claims

    @Test
    @DisplayName("neither id nor userId: 401")
    void noUserId() {
        assertRefused("no_user_id", "Bearer " + Tokens.hs256(Tokens.SECRET, b -> b.withClaim("sub", "1").withExpiresAt(Instant.now().plusSeconds(600))));
    }

    @Test
    @DisplayName("id that is not a positive integer (text, 0, -1, 1.5, object): 401")
    void badUserId() {
        Instant exp = Instant.now().plusSeconds(600);
        assertRefused("bad_user_id", "Bearer " + Tokens.hs256(Tokens.SECRET, b -> b.withClaim("id", "abc").withExpiresAt(exp)));
        assertRefused("bad_user_id", "Bearer " + Tokens.hs256(Tokens.SECRET, b -> b.withClaim("id", 0).withExpiresAt(exp)));
        assertRefused("bad_user_id", "Bearer " + Tokens.hs256(Tokens.SECRET, b -> b.withClaim("id", -1).withExpiresAt(exp)));
        assertRefused("bad_user_id", "Bearer " + Tokens.hs256(Tokens.SECRET, b -> b.withClaim("id", 1.5).withExpiresAt(exp)));
        assertRefused("bad_user_id", "Bearer " + Tokens.hs256(Tokens.SECRET, b -> b.withClaim("userId", java.util.Map.of("id", 1)).withExpiresAt(exp)));
    }

    @Test
    @DisplayName("id and userId naming different users: 401")
    void conflictingIds() {
        assertRefused("conflicting_user_id", "Bearer " + Tokens.hs256(Tokens.SECRET,
                b -> b.withClaim("id", 1).withClaim("userId", "2").withExpiresAt(Instant.now().plusSeconds(600))));
    }

    @Test
    @DisplayName("Strapi 5 refresh token (type refresh, same secret): 401")
    void refreshToken() {
        assertRefused("token_type", "Bearer " + Tokens.hs256(Tokens.SECRET, b -> b.withClaim("userId", "1")
                .withClaim("sessionId", "s").withClaim("type", "refresh").withExpiresAt(Instant.now().plusSeconds(600))));
    }

    // ---- header shape, checked before anything else

    @Test
    @DisplayName("no header / empty header / blank header: 401")
    void emptyHeader() {
        assertRefused("missing", null);
        assertRefused("missing", "");
        assertRefused("missing", "   ");
        assertEquals(0, secretReads.get());
    }

    @Test
    @DisplayName("'Bearer' with no token: 401")
    void bearerWithoutToken() {
        assertRefused("not_bearer", "Bearer");
        assertRefused("not_bearer", "Bearer ");
    }

    @Test
    @DisplayName("another scheme (Basic), or a bare JWT without 'Bearer ': 401")
    void notBearer() {
        assertRefused("not_bearer", "Basic YWRtaW46UGFzc3cwcmQh");
        assertRefused("not_bearer", Tokens.legacy(1));
    }

    @Test
    @DisplayName("garbage: 401 without reading the secret")
    void garbage() {
        assertRefused("malformed", "Bearer not-a-jwt");
        assertRefused("malformed", "Bearer a.b");
        assertRefused("malformed", "Bearer a.b.c.d");
        assertRefused("malformed", "Bearer " + Tokens.legacy(1) + " trailing");
        assertRefused("malformed", "Bearer abc.def.ghi"); // base64url, but not JSON
        assertRefused("malformed", "Bearer ey!.ey$.sig");
        assertEquals(0, secretReads.get());
    }

    @Test
    @DisplayName("a 100 KB header: 401 before any parsing")
    void hugeHeader() {
        String huge = "Bearer " + Tokens.legacy(1) + "A".repeat(100 * 1024);
        assertRefused("too_large", huge);
        // A 100 KB header whose JWT is otherwise well formed.
        String padded = Tokens.hs256(Tokens.SECRET, b -> b.withClaim("id", 1).withClaim("pad", "x".repeat(100 * 1024))
                .withExpiresAt(Instant.now().plusSeconds(600)));
        assertRefused("too_large", "Bearer " + padded);
        assertEquals(0, secretReads.get());
    }
}
