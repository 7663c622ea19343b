package com.onboardingexport.local.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * How API Gateway applies a Lambda authorizer's IAM policy to a request: an explicit Deny on a
 * matching resource refuses, otherwise an Allow on a matching resource admits, otherwise the
 * request is refused. Resources and actions match with IAM wildcards ({@code *}, {@code ?}).
 */
final class LocalApiPolicy {
    private LocalApiPolicy() {
    }

    static boolean allows(JsonNode policyDocument, String methodArn) {
        boolean allowed = false;
        for (JsonNode statement : list(policyDocument.path("Statement"))) {
            // Action names are case-insensitive in IAM; resources are not.
            if (!matchesAny(statement.path("Action"), "execute-api:Invoke", true)
                    || !matchesAny(statement.path("Resource"), methodArn, false)) {
                continue;
            }
            String effect = statement.path("Effect").asText();
            if ("Deny".equalsIgnoreCase(effect)) {
                return false;
            }
            allowed |= "Allow".equalsIgnoreCase(effect);
        }
        return allowed;
    }

    private static boolean matchesAny(JsonNode patterns, String value, boolean ignoreCase) {
        for (JsonNode pattern : list(patterns)) {
            if (glob(pattern.asText(), ignoreCase).matcher(value).matches()) {
                return true;
            }
        }
        return false;
    }

    private static List<JsonNode> list(JsonNode node) {
        List<JsonNode> items = new ArrayList<>();
        if (node.isArray()) {
            node.forEach(items::add);
        } else if (!node.isMissingNode() && !node.isNull()) {
            items.add(node);
        }
        return items;
    }

    static Pattern glob(String pattern, boolean ignoreCase) {
        StringBuilder regex = new StringBuilder();
        StringBuilder literal = new StringBuilder();
        for (char c : pattern.toCharArray()) {
            if (c == '*' || c == '?') {
                regex.append(Pattern.quote(literal.toString()));
                literal.setLength(0);
                regex.append(c == '*' ? ".*" : ".");
            } else {
                literal.append(c);
            }
        }
        regex.append(Pattern.quote(literal.toString()));
        return Pattern.compile(regex.toString(), ignoreCase ? Pattern.CASE_INSENSITIVE : 0);
    }
}
