package com.onboardingexport.local.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.onboardingexport.local.lambda.LocalApiFunction;
import com.onboardingexport.local.lambda.LocalFunctions;
import com.onboardingexport.local.lambda.LocalTraceHeader;
import com.onboardingexport.local.template.LocalApiTemplate;
import com.onboardingexport.shared.Json;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * The API's TOKEN authorizers as API Gateway runs them: the identity header present and matching
 * the validation expression (else 401 without calling the authorizer); the authorizer's policy,
 * cached per token for ReauthorizeEvery seconds, evaluated against the request's method ARN
 * (explicit Deny or no Allow: 403). An authorizer that throws "Unauthorized" gives 401, a throttled,
 * failed or slow one AUTHORIZER_FAILURE, a malformed answer AUTHORIZER_CONFIGURATION_ERROR.
 */
final class TokenAuthorizer {
    /** What the authorizer decided about a request. */
    sealed interface Decision permits Allowed, Refused {
    }

    /** Let through, with the context the integration gets (empty for a route without an authorizer). */
    record Allowed(Optional<ObjectNode> context) implements Decision {
    }

    /** Refused with a gateway response of that type and message (null: none). */
    record Refused(String responseType, String message) implements Decision, Lookup {
    }

    /** An authorizer's answer, or why there is none to use. */
    private sealed interface Lookup permits Refused, Policy {
    }

    private record Policy(JsonNode answer) implements Lookup {
    }

    private record CachedPolicy(JsonNode answer, long expiresNanos) {
    }

    private final Map<String, LocalApiTemplate.Authorizer> authorizers = new LinkedHashMap<>();
    private final Map<String, CachedPolicy> policyCache = new ConcurrentHashMap<>();
    private final LocalFunctions functions;

    /** The authorizers the routes name, as the template configures them. */
    TokenAuthorizer(LocalApiTemplate template, List<LocalApiTemplate.Route> routes, LocalFunctions functions) {
        this.functions = functions;
        for (LocalApiTemplate.Route route : routes) {
            route.authorizer().ifPresent(name -> authorizers.computeIfAbsent(name, template::authorizer));
        }
    }

    /** The logical id of the function behind an authorizer of the routes. */
    String functionId(String authorizerName) {
        return authorizers.get(authorizerName).functionId();
    }

    Decision authorize(LocalApiTemplate.Route route, Function<String, String> requestHeader, String methodArn, String trace)
            throws InterruptedException {
        if (route.authorizer().isEmpty()) {
            return new Allowed(Optional.empty());
        }
        LocalApiTemplate.Authorizer authorizer = authorizers.get(route.authorizer().get());
        String token = requestHeader.apply(authorizer.identityHeader());
        if (token == null || token.isEmpty() || authorizer.validation().map(p -> !p.matcher(token).matches()).orElse(false)) {
            return new Refused("UNAUTHORIZED", "Unauthorized");
        }
        String cacheKey = authorizer.name() + "\n" + token;
        CachedPolicy policy = policyCache.get(cacheKey);
        if (policy == null || policy.expiresNanos() < System.nanoTime()) {
            Lookup lookup = invoke(authorizer, token, methodArn, trace);
            if (lookup instanceof Refused refused) {
                return refused;
            }
            policy = new CachedPolicy(((Policy) lookup).answer(), System.nanoTime() + TimeUnit.SECONDS.toNanos(authorizer.ttlSeconds()));
            if (authorizer.ttlSeconds() > 0) {
                policyCache.put(cacheKey, policy);
            }
        }
        if (!LocalApiPolicy.allows(policy.answer().path("policyDocument"), methodArn)) {
            return new Refused("ACCESS_DENIED", "User is not authorized to access this resource");
        }
        return new Allowed(Optional.of(integrationContext(policy.answer())));
    }

    /** One invocation of the authorizer function with a TOKEN event, and API Gateway's checks of its answer. */
    private Lookup invoke(LocalApiTemplate.Authorizer authorizer, String token, String methodArn, String trace)
            throws InterruptedException {
        ObjectNode event = Json.MAPPER.createObjectNode().put("type", "TOKEN").put("authorizationToken", token).put("methodArn", methodArn);
        LocalApiFunction function = functions.function(authorizer.functionId());
        Optional<CompletableFuture<LocalApiFunction.Result>> invocation = function.invokeWithinReserved(
                event.toString(), function.spec().invokedArn(), UUID.randomUUID().toString(), LocalTraceHeader.child(trace));
        if (invocation.isEmpty()) {
            // The authorizer throttled (its reserved concurrency): API Gateway cannot authorize the request.
            functions.recordError(authorizer.functionId(), "throttled: reserved concurrency reached");
            return new Refused("AUTHORIZER_FAILURE", null);
        }
        LocalApiFunction.Result result;
        try {
            result = invocation.get().get(function.spec().timeoutSeconds() + 10L, TimeUnit.SECONDS);
        } catch (TimeoutException | ExecutionException e) {
            functions.recordError(authorizer.functionId(), "invocation failed: " + e);
            return new Refused("AUTHORIZER_FAILURE", null);
        }
        if (result.functionError()) {
            if ("Unauthorized".equals(result.errorMessage())) {
                return new Refused("UNAUTHORIZED", "Unauthorized");
            }
            functions.recordError(authorizer.functionId(), result.payload());
            return new Refused("AUTHORIZER_FAILURE", null);
        }
        JsonNode answer = result.json();
        Optional<String> invalid = invalidPolicy(answer);
        if (invalid.isPresent()) {
            functions.recordError(authorizer.functionId(), "invalid authorizer response: " + invalid.get() + ": " + result.payload());
            return new Refused("AUTHORIZER_CONFIGURATION_ERROR", null);
        }
        return new Policy(answer);
    }

    /** The policy's context as a REST API hands it to the integration: values as strings, the principalId added. */
    private static ObjectNode integrationContext(JsonNode answer) {
        ObjectNode context = Json.MAPPER.createObjectNode();
        answer.path("context").fields().forEachRemaining(entry -> context.put(entry.getKey(), entry.getValue().asText()));
        context.put("principalId", answer.path("principalId").asText());
        context.put("integrationLatency", 0);
        return context;
    }

    /** API Gateway's checks of an authorizer's answer: principalId, a policy document, flat context values. */
    private static Optional<String> invalidPolicy(JsonNode answer) {
        if (answer == null || !answer.isObject()) {
            return Optional.of("not a JSON object");
        }
        if (!answer.path("principalId").isTextual() || answer.path("principalId").asText().isEmpty()) {
            return Optional.of("no principalId");
        }
        if (!answer.path("policyDocument").path("Statement").isContainerNode()) {
            return Optional.of("no policyDocument.Statement");
        }
        for (JsonNode value : answer.path("context")) {
            if (value.isContainerNode()) {
                return Optional.of("context values must be strings, numbers or booleans");
            }
        }
        return Optional.empty();
    }
}
