package com.onboardingexport.authorizer;

import java.util.regex.Pattern;

/**
 * The parts of an API Gateway {@code methodArn} an authorizer policy needs:
 * {@code arn:<partition>:execute-api:<region>:<account>:<apiId>/<stage>/<METHOD>/<path>}.
 */
public record MethodArn(String partition, String region, String account, String apiId, String stage) {
    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9_.-]+");

    public static MethodArn parse(String methodArn) {
        if (methodArn == null) {
            throw new IllegalArgumentException("No methodArn in the authorizer event");
        }
        String[] parts = methodArn.split(":", 6);
        if (parts.length != 6 || !"arn".equals(parts[0]) || !"execute-api".equals(parts[2])) {
            throw new IllegalArgumentException("Not an execute-api method ARN: " + methodArn);
        }
        String[] path = parts[5].split("/", 3);
        if (path.length < 2) {
            throw new IllegalArgumentException("No API id and stage in method ARN: " + methodArn);
        }
        MethodArn arn = new MethodArn(parts[1], parts[3], parts[4], path[0], path[1]);
        for (String segment : new String[] {arn.partition, arn.region, arn.account, arn.apiId, arn.stage}) {
            // No wildcards or separators may leak from the event into a policy.
            if (!SEGMENT.matcher(segment).matches()) {
                throw new IllegalArgumentException("Unexpected characters in method ARN: " + methodArn);
            }
        }
        return arn;
    }

    /** {@code arn:...:<apiId>/<stage>/<METHOD>/<path>} for a route of the same API and stage. */
    public String route(String method, String path) {
        return stagePrefix() + method + path;
    }

    /** Every route of the same API and stage. */
    public String wholeStage() {
        return stagePrefix() + "*";
    }

    private String stagePrefix() {
        return "arn:" + partition + ":execute-api:" + region + ":" + account + ":" + apiId + "/" + stage + "/";
    }
}
