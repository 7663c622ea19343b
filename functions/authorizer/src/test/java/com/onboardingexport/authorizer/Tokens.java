package com.onboardingexport.authorizer;

import com.auth0.jwt.JWT;
import com.auth0.jwt.JWTCreator;
import com.auth0.jwt.algorithms.Algorithm;
import java.nio.charset.StandardCharsets;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.Base64;
import java.util.function.Consumer;

/** Tokens signed here, in the shapes Strapi issues and in the shapes an attacker would try. */
final class Tokens {
    static final String SECRET = "unit-test-jwt-secret-0123456789abcdef";
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getUrlDecoder();

    private Tokens() {
    }

    /** Strapi's legacy users-permissions token: {id, iat, exp}. */
    static String legacy(long id) {
        return hs256(SECRET, b -> b.withClaim("id", id).withIssuedAt(Instant.now()).withExpiresAt(Instant.now().plusSeconds(3600)));
    }

    /** Strapi 5 session access token: {userId (a string), sessionId, type: access, iat, exp}. */
    static String session(long id) {
        return hs256(SECRET, b -> b.withClaim("userId", Long.toString(id)).withClaim("sessionId", "0123456789abcdef0123456789abcdef")
                .withClaim("type", "access").withIssuedAt(Instant.now()).withExpiresAt(Instant.now().plusSeconds(1800)));
    }

    static String hs256(String secret, Consumer<JWTCreator.Builder> claims) {
        JWTCreator.Builder builder = JWT.create();
        claims.accept(builder);
        return builder.sign(Algorithm.HMAC256(secret));
    }

    /** An HS256 token over a payload written by hand, for claim shapes the builder does not write. */
    static String hs256Payload(String payloadJson) {
        String header = encode("{\"alg\":\"HS256\",\"typ\":\"JWT\"}");
        String payload = encode(payloadJson);
        byte[] signature = Algorithm.HMAC256(SECRET).sign(header.getBytes(StandardCharsets.UTF_8), payload.getBytes(StandardCharsets.UTF_8));
        return header + "." + payload + "." + B64.encodeToString(signature);
    }

    static String hs512(Consumer<JWTCreator.Builder> claims) {
        JWTCreator.Builder builder = JWT.create();
        claims.accept(builder);
        return builder.sign(Algorithm.HMAC512(SECRET));
    }

    static String rs256(Consumer<JWTCreator.Builder> claims) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            var pair = generator.generateKeyPair();
            JWTCreator.Builder builder = JWT.create();
            claims.accept(builder);
            return builder.sign(Algorithm.RSA256((RSAPublicKey) pair.getPublic(), (RSAPrivateKey) pair.getPrivate()));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An unsigned token as a forger writes it: {"alg":"none"}, a payload, and the given signature part. */
    static String unsigned(String headerJson, String payloadJson, String signature) {
        return encode(headerJson) + "." + encode(payloadJson) + "." + signature;
    }

    static String encode(String json) {
        return B64.encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    static String decode(String part) {
        return new String(B64D.decode(part), StandardCharsets.UTF_8);
    }

    static String[] parts(String token) {
        return token.split("\\.");
    }

    static long nowSeconds() {
        return Instant.now().getEpochSecond();
    }
}
