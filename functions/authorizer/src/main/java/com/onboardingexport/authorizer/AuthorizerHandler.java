package com.onboardingexport.authorizer;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayCustomAuthorizerEvent;
import com.amazonaws.services.lambda.runtime.events.IamPolicyResponse;
import com.onboardingexport.shared.CachedSecret;
import com.onboardingexport.shared.AwsClients;
import com.onboardingexport.shared.Deadline;
import com.onboardingexport.shared.Env;
import com.onboardingexport.shared.JsonLog;
import com.onboardingexport.shared.LambdaMetrics;
import com.onboardingexport.shared.StrapiClient;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.crac.Core;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * The API Gateway (REST) TOKEN authorizer of the export routes.
 *
 * <ol>
 *   <li>Verifies the {@code Authorization: Bearer <jwt>} value ({@link TokenVerifier}); any token
 *       problem is thrown as {@code RuntimeException("Unauthorized")}, which API Gateway turns into
 *       a 401. Strapi is not called for such a token.</li>
 *   <li>Looks the user up in Strapi with the API token, cached per container ({@link CachingUserLookup}).</li>
 *   <li>Decides ({@link AccessDecider}) and answers an Allow policy scoped to the export routes
 *       with the context {@code userId, role, clientId} ({@link com.onboardingexport.shared.AuthorizerContext}),
 *       or a Deny policy (403).</li>
 * </ol>
 * When the user cannot be looked up the request is refused with an error ({@link AuthorizerFailure},
 * a 500 that API Gateway does not cache), never allowed.
 */
public final class AuthorizerHandler implements RequestHandler<APIGatewayCustomAuthorizerEvent, IamPolicyResponse> {
    /** API Gateway's own word for a 401: the exception message must be exactly this. */
    static final String UNAUTHORIZED = "Unauthorized";
    private static final Duration SAFETY_MARGIN = Duration.ofMillis(500);
    private static final int STRAPI_ATTEMPTS = 3;
    /**
     * How long a looked-up user is kept in a warm container. Kept short: with API Gateway's own
     * cache (the template's AuthorizerCacheSeconds, 60) a blocked or moved user is refused within 90 s.
     */
    public static final int DEFAULT_USER_CACHE_SECONDS = 30;
    /** Secret values are read again after this long, so a rotation needs no redeploy. */
    public static final int DEFAULT_SECRET_CACHE_SECONDS = 300;

    private final TokenVerifier tokens;
    private final UserLookup users;
    private final AccessDecider decider;
    private final PolicyBuilder policies;
    private final Duration lookupBudget;
    private AuthorizerPriming priming;

    /** For the Lambda runtime: configuration from the environment set by template.yaml, real clients built once. */
    public AuthorizerHandler() {
        this(Env.system(), AwsClients.secretsManager());
    }

    /**
     * The real wiring from a given environment and Secrets Manager client (the local runner and the
     * integration tests use this): STRAPI_URL, STRAPI_API_TOKEN_SECRET_ARN, JWT_SECRET_ARN (required),
     * ADMIN_ROLE_TYPE (admin), CLIENT_ROLE_TYPE (client), USER_CACHE_SECONDS (30),
     * SECRET_CACHE_SECONDS (300), STRAPI_TIMEOUT_MS (3000).
     */
    public AuthorizerHandler(Env env, SecretsManagerClient secretsManager) {
        this(Wiring.from(env, secretsManager));
    }

    /** For tests: every collaborator given, none built here. */
    public AuthorizerHandler(TokenVerifier tokens, UserLookup users, AccessDecider decider, PolicyBuilder policies, Duration lookupBudget) {
        this.tokens = Objects.requireNonNull(tokens, "tokens");
        this.users = Objects.requireNonNull(users, "users");
        this.decider = Objects.requireNonNull(decider, "decider");
        this.policies = Objects.requireNonNull(policies, "policies");
        this.lookupBudget = Objects.requireNonNull(lookupBudget, "lookupBudget");
    }

    private AuthorizerHandler(Wiring wiring) {
        this(wiring.tokens, wiring.users, wiring.decider, new PolicyBuilder(), wiring.lookupBudget);
        // SnapStart: warm the request path before the snapshot. Held here because a CRaC context
        // may hold its resources weakly.
        priming = new AuthorizerPriming(decider, policies);
        Core.getGlobalContext().register(priming);
    }

    @Override
    public IamPolicyResponse handleRequest(APIGatewayCustomAuthorizerEvent event, Context context) {
        long started = System.nanoTime();
        String requestId = context == null ? "-" : context.getAwsRequestId();
        if (context != null) {
            LambdaMetrics.beginInvocation(context);
        }

        VerifiedToken token;
        try {
            token = tokens.verify(event == null ? null : event.getAuthorizationToken());
        } catch (InvalidTokenException e) {
            JsonLog.info("authorizer decision", "request_id", requestId, "decision", "unauthorized",
                    "reason", e.reason(), "duration_ms", millisSince(started));
            throw new RuntimeException(UNAUTHORIZED);
        } catch (RuntimeException e) {
            // Not the token's fault: the JWT secret could not be read, or is too short to trust.
            JsonLog.error("authorizer failed: cannot verify tokens", e, "request_id", requestId, "decision", "error");
            throw new AuthorizerFailure("Cannot verify tokens", e);
        }

        MethodArn arn;
        try {
            arn = MethodArn.parse(event.getMethodArn());
        } catch (IllegalArgumentException e) {
            JsonLog.error("authorizer failed: bad methodArn", e, "request_id", requestId,
                    "user_id", token.userId(), "decision", "error");
            throw new AuthorizerFailure("Bad methodArn", e);
        }

        Optional<StrapiUser> user;
        try {
            user = users.find(token.userId(), deadline(context));
        } catch (RuntimeException e) {
            JsonLog.error("authorizer failed: user lookup", e, "request_id", requestId,
                    "user_id", token.userId(), "decision", "error", "duration_ms", millisSince(started));
            throw new AuthorizerFailure("Cannot look the user up", e);
        }

        Decision decision = decider.decide(token.userId(), user);
        JsonLog.put("user_id", token.userId());
        JsonLog.put("role", decision.role());
        JsonLog.put("client_id", decision.clientId());
        JsonLog.info("authorizer decision", "request_id", requestId, "user_id", token.userId(),
                "decision", decision.allowed() ? "allow" : "deny", "reason", decision.reason(),
                "role", decision.role(), "client_id", decision.clientId(), "duration_ms", millisSince(started));
        return decision.allowed() ? policies.allow(arn, decision) : policies.deny(arn, decision);
    }

    private Deadline deadline(Context context) {
        if (context == null) {
            return Deadline.in(lookupBudget);
        }
        Duration left = Duration.ofMillis(context.getRemainingTimeInMillis()).minus(SAFETY_MARGIN);
        return Deadline.in(left.compareTo(lookupBudget) < 0 ? left : lookupBudget);
    }

    private static long millisSince(long startedNanos) {
        return (System.nanoTime() - startedNanos) / 1_000_000;
    }

    /** The real collaborators, built once from the environment. */
    private record Wiring(TokenVerifier tokens, UserLookup users, AccessDecider decider, Duration lookupBudget) {
        static Wiring from(Env env, SecretsManagerClient secretsManager) {
            Objects.requireNonNull(secretsManager, "secretsManager");
            Duration secretTtl = Duration.ofSeconds(env.getInt("SECRET_CACHE_SECONDS", DEFAULT_SECRET_CACHE_SECONDS));
            CachedSecret apiToken = new CachedSecret(secretsManager, env.require("STRAPI_API_TOKEN_SECRET_ARN"), secretTtl);
            CachedSecret jwtSecret = new CachedSecret(secretsManager, env.require("JWT_SECRET_ARN"), secretTtl);
            Duration timeout = Duration.ofMillis(env.getInt("STRAPI_TIMEOUT_MS", 3000));
            StrapiClient strapi = new StrapiClient(URI.create(env.require("STRAPI_URL")), apiToken,
                    StrapiClient.defaultHttpClient(timeout), timeout, STRAPI_ATTEMPTS);
            return new Wiring(
                    new TokenVerifier(jwtSecret::value),
                    new CachingUserLookup(new StrapiUserLookup(strapi), Duration.ofSeconds(env.getInt("USER_CACHE_SECONDS", DEFAULT_USER_CACHE_SECONDS))),
                    new AccessDecider(env.get("ADMIN_ROLE_TYPE", "admin"), env.get("CLIENT_ROLE_TYPE", "client")),
                    timeout);
        }
    }
}
