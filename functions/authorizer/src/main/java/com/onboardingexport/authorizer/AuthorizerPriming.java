package com.onboardingexport.authorizer;

import com.amazonaws.services.lambda.runtime.events.IamPolicyResponse;
import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import com.onboardingexport.shared.Json;
import com.onboardingexport.shared.JsonLog;
import com.onboardingexport.shared.LambdaMetrics;
import com.onboardingexport.shared.Traces;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.crac.Context;
import org.crac.Resource;

/**
 * SnapStart priming: before the snapshot, runs the request path once on made-up data (a token
 * signed here with a throwaway key, a Strapi-shaped user, a policy), so the classes are loaded and
 * initialised in the snapshot rather than on the first request after a restore. It touches no
 * network, no secret and no shared state (the real verifier and cache are left alone), and never
 * throws: a failed priming only costs speed.
 */
public final class AuthorizerPriming implements Resource {
    private static final String SAMPLE_ARN = "arn:aws:execute-api:us-east-1:000000000000:priming/prime/POST/exports/onboarding";
    private static final String SAMPLE_USER = """
            {"id": 1, "documentId": "priming", "confirmed": true, "blocked": false,
             "role": {"id": 1, "type": "client"}, "client": {"id": 1, "documentId": "priming"}}""";

    private final AccessDecider decider;
    private final PolicyBuilder policies;

    public AuthorizerPriming(AccessDecider decider, PolicyBuilder policies) {
        this.decider = decider;
        this.policies = policies;
    }

    @Override
    public void beforeCheckpoint(Context<? extends Resource> context) {
        try {
            prime();
        } catch (Exception | LinkageError e) {
            JsonLog.warn("authorizer priming failed (only slower first requests)", "error", e.toString());
        }
    }

    @Override
    public void afterRestore(Context<? extends Resource> context) {
        // Nothing to refresh: secrets are read on first use, after the restore.
    }

    /** The request path on made-up data; returns the policy it built (for the test). */
    IamPolicyResponse prime() throws Exception {
        LambdaMetrics.prime(); // Powertools Metrics, the EMF library and the SLF4J provider
        Traces.prime(); // the X-Ray SDK's entities and serialisation; sends nothing, leaves no span open
        String throwawaySecret = UUID.randomUUID() + "-" + UUID.randomUUID();
        TokenVerifier verifier = new TokenVerifier(() -> throwawaySecret);
        String token = JWT.create().withClaim("id", 1).withIssuedAt(Instant.now()).withExpiresAt(Instant.now().plusSeconds(60))
                .sign(Algorithm.HMAC256(throwawaySecret));
        VerifiedToken verified = verifier.verify("Bearer " + token);
        try {
            verifier.verify("Bearer " + token.substring(0, token.length() - 2));
        } catch (InvalidTokenException expected) {
            // the refusal path, loaded too
        }
        Optional<StrapiUser> user = StrapiUserLookup.parse(verified.userId(), Json.MAPPER.readTree(SAMPLE_USER));
        Decision decision = decider.decide(verified.userId(), user);
        MethodArn arn = MethodArn.parse(SAMPLE_ARN);
        policies.deny(arn, Decision.deny(verified.userId(), "priming", "priming"));
        return decision.allowed() ? policies.allow(arn, decision) : policies.deny(arn, decision);
    }
}
