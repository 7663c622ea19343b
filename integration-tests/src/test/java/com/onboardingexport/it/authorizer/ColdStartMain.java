package com.onboardingexport.it.authorizer;

import com.amazonaws.services.lambda.runtime.events.APIGatewayCustomAuthorizerEvent;
import com.amazonaws.services.lambda.runtime.events.IamPolicyResponse;
import com.onboardingexport.authorizer.AuthorizerHandler;
import com.onboardingexport.local.lambda.LocalLambdaContext;
import java.lang.management.ManagementFactory;

/**
 * Run in a fresh JVM by {@link AuthorizerTiming}: what the Lambda runtime does on a cold start.
 * Builds the handler with its no-argument constructor (configuration from the environment, as in
 * Lambda), answers one request, then a second one for the same user (cached), and prints the
 * figures on a line starting with "TIMING ". The token comes in AUTHZ_TIMING_TOKEN.
 */
public final class ColdStartMain {
    private ColdStartMain() {
    }

    public static void main(String[] args) {
        long jvmStartMillis = ManagementFactory.getRuntimeMXBean().getStartTime();
        long mainEntered = System.nanoTime();
        long mainEnteredWallMillis = System.currentTimeMillis();

        AuthorizerHandler handler = new AuthorizerHandler();
        long initDone = System.nanoTime();

        APIGatewayCustomAuthorizerEvent event = new APIGatewayCustomAuthorizerEvent();
        event.setType("TOKEN");
        event.setAuthorizationToken("Bearer " + System.getenv("AUTHZ_TIMING_TOKEN"));
        event.setMethodArn(System.getenv("AUTHZ_TIMING_METHOD_ARN"));
        IamPolicyResponse first = handler.handleRequest(event, new LocalLambdaContext());
        long firstDone = System.nanoTime();
        IamPolicyResponse second = handler.handleRequest(event, new LocalLambdaContext());
        long secondDone = System.nanoTime();

        System.out.println("TIMING {\"jvm_to_main_ms\": " + (mainEnteredWallMillis - jvmStartMillis)
                + ", \"init_ms\": " + millis(mainEntered, initDone)
                + ", \"first_request_ms\": " + millis(initDone, firstDone)
                + ", \"second_request_ms\": " + millis(firstDone, secondDone)
                + ", \"first_principal\": \"" + first.getPrincipalId() + "\""
                + ", \"first_effect\": \"" + effect(first) + "\""
                + ", \"second_effect\": \"" + effect(second) + "\"}");
        System.out.flush();
    }

    @SuppressWarnings("unchecked")
    private static String effect(IamPolicyResponse response) {
        Object statements = response.getPolicyDocument().get("Statement");
        Object statement = statements instanceof Object[] array ? array[0] : ((java.util.List<Object>) statements).get(0);
        return String.valueOf(((java.util.Map<String, Object>) statement).get("Effect"));
    }

    private static double millis(long fromNanos, long toNanos) {
        return Math.round((toNanos - fromNanos) / 10_000.0) / 100.0;
    }
}
