package com.onboardingexport.authorizer;

import com.amazonaws.services.lambda.runtime.events.IamPolicyResponse;
import java.util.List;
import java.util.Map;

/**
 * Builds the authorizer's answer. API Gateway caches it per token for the authorizer's TTL and
 * applies it to every route of the stage, so an Allow names exactly the export routes of the API
 * and stage the request came through (never {@code *}); a Deny covers the whole stage.
 */
public final class PolicyBuilder {
    /** The routes of template.yaml the authorizer guards: start an export, read its status. */
    static final List<String[]> EXPORT_ROUTES = List.of(
            new String[] {"POST", "/exports/onboarding"},
            new String[] {"GET", "/exports/onboarding/*"});

    public IamPolicyResponse allow(MethodArn arn, Decision decision) {
        if (!decision.allowed()) {
            throw new IllegalArgumentException("Not an allow decision: " + decision.reason());
        }
        List<String> resources = EXPORT_ROUTES.stream().map(route -> arn.route(route[0], route[1])).toList();
        return response(decision, IamPolicyResponse.ALLOW, resources, decision.context().toContext());
    }

    public IamPolicyResponse deny(MethodArn arn, Decision decision) {
        return response(decision, IamPolicyResponse.DENY, List.of(arn.wholeStage()), Map.of());
    }

    private static IamPolicyResponse response(Decision decision, String effect, List<String> resources, Map<String, Object> context) {
        IamPolicyResponse.Statement statement = IamPolicyResponse.Statement.builder()
                .withAction(IamPolicyResponse.EXECUTE_API_INVOKE)
                .withEffect(effect)
                .withResource(resources)
                .build();
        return IamPolicyResponse.builder()
                .withPrincipalId(Long.toString(decision.userId()))
                .withPolicyDocument(IamPolicyResponse.PolicyDocument.builder()
                        .withVersion(IamPolicyResponse.VERSION_2012_10_17)
                        .withStatement(List.of(statement))
                        .build())
                .withContext(context)
                .build();
    }
}
