package com.onboardingexport.bench;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayCustomAuthorizerEvent;
import com.amazonaws.services.lambda.runtime.events.IamPolicyResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** The authorizer's side of {@link ColdStartMain}, in a class of its own so the other runs never load it. */
final class AuthorizerInvoker {
    private AuthorizerInvoker() {
    }

    @SuppressWarnings("unchecked")
    static String invoke(Object handler) {
        APIGatewayCustomAuthorizerEvent event = new APIGatewayCustomAuthorizerEvent();
        event.setType("TOKEN");
        event.setAuthorizationToken("Bearer " + System.getenv("BENCH_TOKEN"));
        event.setMethodArn(System.getenv("BENCH_METHOD_ARN"));
        IamPolicyResponse response = ((RequestHandler<APIGatewayCustomAuthorizerEvent, IamPolicyResponse>) handler)
                .handleRequest(event, new BenchContext(Duration.ofSeconds(10)));
        Object statements = response.getPolicyDocument().get("Statement");
        Object statement = statements instanceof Object[] array ? array[0] : ((List<Object>) statements).get(0);
        return ((Map<String, Object>) statement).get("Effect") + " " + response.getPrincipalId();
    }
}
