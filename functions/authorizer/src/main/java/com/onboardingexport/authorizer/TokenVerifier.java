package com.onboardingexport.authorizer;

import com.auth0.jwt.JWT;
import com.auth0.jwt.JWTVerifier;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.exceptions.AlgorithmMismatchException;
import com.auth0.jwt.exceptions.IncorrectClaimException;
import com.auth0.jwt.exceptions.JWTDecodeException;
import com.auth0.jwt.exceptions.JWTVerificationException;
import com.auth0.jwt.exceptions.MissingClaimException;
import com.auth0.jwt.exceptions.SignatureVerificationException;
import com.auth0.jwt.exceptions.TokenExpiredException;
import com.auth0.jwt.interfaces.Claim;
import com.auth0.jwt.interfaces.DecodedJWT;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Verifies a Strapi users-permissions JWT from an {@code Authorization: Bearer <jwt>} value:
 * HS256 only, signed with Strapi's JWT secret, {@code exp} required and a JSON number (with a small leeway), and a
 * user id in either shape Strapi issues: legacy {@code {id, iat, exp}} or Strapi 5 session
 * access tokens {@code {userId, sessionId, type: "access", iat, exp}}.
 *
 * <p>The cheap checks (size, Bearer scheme, JWT shape, header algorithm) run before the secret is
 * fetched, so garbage never costs a Secrets Manager call. A failure to fetch the secret, or a secret
 * shorter than {@value #MIN_SECRET_BYTES} bytes, is not a token problem and is thrown as is (the
 * caller turns it into an error, not a 401).
 */
public final class TokenVerifier {
    /** Far above any Strapi token (about 200 characters) and below API Gateway's 10 KB header limit. */
    public static final int MAX_HEADER_LENGTH = 4096;
    public static final Duration DEFAULT_LEEWAY = Duration.ofSeconds(30);
    /** HS256 keys shorter than the hash (RFC 7518 section 3.2) are guessable offline from any token. */
    public static final int MIN_SECRET_BYTES = 32;

    private static final String BEARER = "bearer ";
    private static final String ALGORITHM = "HS256";
    private static final Pattern COMPACT_JWS = Pattern.compile("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+");
    private static final Pattern DIGITS = Pattern.compile("[1-9][0-9]{0,17}");

    private final Supplier<String> jwtSecret;
    private final Clock clock;
    private final Duration leeway;
    private volatile KeyedVerifier verifier;

    private record KeyedVerifier(String secret, JWTVerifier verifier) {
    }

    public TokenVerifier(Supplier<String> jwtSecret, Clock clock, Duration leeway) {
        this.jwtSecret = Objects.requireNonNull(jwtSecret, "jwtSecret");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.leeway = Objects.requireNonNull(leeway, "leeway");
    }

    public TokenVerifier(Supplier<String> jwtSecret) {
        this(jwtSecret, Clock.systemUTC(), DEFAULT_LEEWAY);
    }

    /** @param authorizationHeader the TOKEN authorizer's {@code authorizationToken}: the whole header value */
    public VerifiedToken verify(String authorizationHeader) throws InvalidTokenException {
        String token = bearerToken(authorizationHeader);
        DecodedJWT unverified;
        try {
            unverified = JWT.decode(token);
        } catch (JWTDecodeException e) {
            throw new InvalidTokenException("malformed", "The token is not a decodable JWT");
        }
        if (!ALGORITHM.equals(unverified.getAlgorithm())) {
            throw new InvalidTokenException("algorithm", "Only HS256 tokens are accepted");
        }
        DecodedJWT jwt;
        try {
            jwt = verifierFor(jwtSecret.get()).verify(unverified);
        } catch (AlgorithmMismatchException e) {
            throw new InvalidTokenException("algorithm", "Only HS256 tokens are accepted");
        } catch (SignatureVerificationException e) {
            throw new InvalidTokenException("signature", "The token's signature is not valid");
        } catch (TokenExpiredException e) {
            throw new InvalidTokenException("expired", "The token has expired");
        } catch (MissingClaimException e) {
            throw new InvalidTokenException("missing_" + e.getClaimName(), "The token has no " + e.getClaimName() + " claim");
        } catch (IncorrectClaimException e) {
            throw new InvalidTokenException("claim_" + e.getClaimName(), "The token's " + e.getClaimName() + " claim is not valid");
        } catch (JWTDecodeException e) {
            throw new InvalidTokenException("malformed", "The token is not a decodable JWT");
        } catch (JWTVerificationException e) {
            throw new InvalidTokenException("invalid", "The token is not valid");
        }
        if (jwt.getExpiresAtAsInstant() == null) {
            // java-jwt's presence check passes "exp": null and its expiry check then has nothing to compare.
            // (A string or any other non-number exp already fails to decode above.)
            throw new InvalidTokenException("claim_exp", "The token's exp claim is not a number");
        }
        Claim type = jwt.getClaim("type");
        if (!type.isMissing() && !"access".equals(type.asString())) {
            // Strapi 5 refresh tokens are signed with the same secret: they must not open the API.
            throw new InvalidTokenException("token_type", "Only access tokens are accepted");
        }
        return new VerifiedToken(userId(jwt), jwt.getExpiresAtAsInstant());
    }

    private static String bearerToken(String header) throws InvalidTokenException {
        if (header == null || header.isBlank()) {
            throw new InvalidTokenException("missing", "No token");
        }
        if (header.length() > MAX_HEADER_LENGTH) {
            throw new InvalidTokenException("too_large", "The Authorization header is too large");
        }
        if (header.length() <= BEARER.length() || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            throw new InvalidTokenException("not_bearer", "The Authorization header is not 'Bearer <token>'");
        }
        String token = header.substring(BEARER.length()).strip();
        if (!COMPACT_JWS.matcher(token).matches()) {
            throw new InvalidTokenException("malformed", "The token is not a signed JWT");
        }
        return token;
    }

    /** {@code userId} (Strapi 5 session tokens, a string) or {@code id} (legacy, a number); both must agree if both are there. */
    private static long userId(DecodedJWT jwt) throws InvalidTokenException {
        Long fromUserId = idClaim(jwt.getClaim("userId"));
        Long fromId = idClaim(jwt.getClaim("id"));
        if (fromUserId == null && fromId == null) {
            throw new InvalidTokenException("no_user_id", "The token names no user (neither id nor userId)");
        }
        if (fromUserId != null && fromId != null && !fromUserId.equals(fromId)) {
            throw new InvalidTokenException("conflicting_user_id", "The token's id and userId differ");
        }
        return fromUserId != null ? fromUserId : fromId;
    }

    private static Long idClaim(Claim claim) throws InvalidTokenException {
        if (claim.isMissing() || claim.isNull()) {
            return null;
        }
        String text = claim.asString();
        if (text == null) {
            Double number = claim.asDouble();
            if (number != null && number >= 1 && number <= 9_007_199_254_740_991d && number == Math.rint(number)) {
                return number.longValue();
            }
        } else if (DIGITS.matcher(text).matches()) {
            return Long.parseLong(text);
        }
        throw new InvalidTokenException("bad_user_id", "The token's user id is not a positive integer");
    }

    private JWTVerifier verifierFor(String secret) {
        KeyedVerifier current = verifier;
        if (current == null || !current.secret().equals(secret)) {
            if (secret == null || secret.getBytes(StandardCharsets.UTF_8).length < MIN_SECRET_BYTES) {
                // Not the token's fault: fail closed with an error, never a 401 or an Allow.
                throw new IllegalStateException("The JWT secret is shorter than " + MIN_SECRET_BYTES + " bytes (UTF-8)");
            }
            JWTVerifier built = ((JWTVerifier.BaseVerification) JWT.require(Algorithm.HMAC256(secret))
                    .acceptLeeway(leeway.toSeconds())
                    .withClaimPresence("exp"))
                    .build(clock);
            current = new KeyedVerifier(secret, built);
            verifier = current;
        }
        return current.verifier();
    }
}
