package com.onboardingexport.local.template;

import com.fasterxml.jackson.databind.JsonNode;
import com.onboardingexport.shared.Json;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the local API needs from {@code template.yaml}, read the way SAM reads it: the routes
 * (the {@code Api} events of each function), the API's authorizer, its gateway responses, and each
 * function's Handler, Timeout, MemorySize and environment ({@code Globals} merged, {@code !Ref}
 * and {@code !Sub} resolved against local parameter values and resource names). Nothing here is
 * hard-coded to this project's names: a renamed handler or route in the template is what runs.
 */
public final class LocalApiTemplate {
    public static final String FUNCTION = SamTemplate.FUNCTION;
    public static final String API = SamTemplate.API;
    public static final String BUCKET = "AWS::S3::Bucket";
    public static final String QUEUE = "AWS::SQS::Queue";
    public static final String EVENT_BUS = "AWS::Events::EventBus";

    /** Pseudo parameters as a local "stack" sees them. */
    public static final String REGION = "us-east-1";
    public static final String ACCOUNT = "000000000000";
    public static final String STACK_NAME = "onboarding-export-local";

    private final SamTemplate sam;
    private final Map<String, String> parameters;
    private final Map<String, String> resourceNames;

    /** A route of the API: one {@code Api} event of a function. */
    public record Route(String method, String path, String functionId, Optional<String> authorizer, int timeoutMillis) {
    }

    /** A Lambda authorizer of the API (TOKEN type). */
    public record Authorizer(String name, String functionId, String identityHeader, Optional<Pattern> validation, int ttlSeconds) {
    }

    /**
     * A function as the local runner starts it; {@code maximumRetryAttempts}, {@code maximumEventAgeSeconds}
     * and {@code onFailure} are its EventInvokeConfig's: how often Lambda retries a failed asynchronous
     * invocation (2 unless set), how long an event may wait (6 hours unless set), and where its record
     * then goes, if anywhere; {@code reservedConcurrency} its ReservedConcurrentExecutions (empty: none).
     */
    public record Function(String logicalId, String functionName, String handler, int timeoutSeconds, int memoryMb,
                           Optional<String> alias, Map<String, String> environment, List<String> codeFolders,
                           int maximumRetryAttempts, Optional<Destination> onFailure, int maximumEventAgeSeconds,
                           java.util.OptionalInt reservedConcurrency, Map<String, String> logging) {
        public String arn() {
            return "arn:aws:lambda:" + REGION + ":" + ACCOUNT + ":function:" + functionName;
        }

        /** The ARN callers use: the alias when the template publishes one (AutoPublishAlias). */
        public String invokedArn() {
            return alias.map(a -> arn() + ":" + a).orElse(arn());
        }
    }

    /** An on-failure destination: {@code SQS} (a queue's ARN) or {@code Lambda} (a function's ARN, an alias's). */
    public record Destination(String type, String arn) {
    }

    /**
     * A gateway response of the API, as customised in the template: status, body template, and its
     * headers' mapping expressions ({@code 'static'} or {@code method.request.header.Name}).
     */
    public record GatewayResponse(int status, String bodyTemplate, Map<String, String> headerMappings) {
        /** The headers API Gateway sends: static values, and request headers (left out when the request has none). */
        public Map<String, String> headers(java.util.function.Function<String, String> requestHeader) {
            Map<String, String> headers = new LinkedHashMap<>();
            headerMappings.forEach((name, mapping) -> {
                String value = mapping.length() >= 2 && mapping.startsWith("'") && mapping.endsWith("'")
                        ? mapping.substring(1, mapping.length() - 1)
                        : mapping.startsWith(REQUEST_HEADER) ? requestHeader.apply(mapping.substring(REQUEST_HEADER.length())) : null;
                if (value == null && !mapping.startsWith(REQUEST_HEADER)) {
                    throw new IllegalArgumentException("Gateway response header " + name + ": the local API maps only 'static'"
                            + " values and " + REQUEST_HEADER + "Name, not " + mapping);
                }
                if (value != null) {
                    headers.put(name, value);
                }
            });
            return headers;
        }
    }

    private static final String REQUEST_HEADER = "method.request.header.";

    private LocalApiTemplate(SamTemplate sam, Map<String, String> parameters, Map<String, String> resourceNames) {
        this.sam = sam;
        this.parameters = parameters;
        this.resourceNames = resourceNames;
    }

    /**
     * Reads a template. {@code parameterValues} are the local values of parameters (those without
     * one take their Default; a parameter with neither fails here, as a deploy would); they are
     * checked against AllowedPattern, AllowedValues, MinValue and MaxValue. {@code resourceNames}
     * say what {@code !Ref} of a resource means locally (the bucket's name, for example), and
     * {@code Id.Attribute} keys what {@code !GetAtt} means (a queue's ARN).
     */
    public static LocalApiTemplate read(Path file, Map<String, String> parameterValues, Map<String, String> resourceNames)
            throws IOException {
        SamTemplate sam = new SamTemplate(CloudFormationYaml.read(file));
        Map<String, String> parameters = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = sam.section("Parameters").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            String name = entry.getKey();
            JsonNode spec = entry.getValue();
            String value = parameterValues.containsKey(name) ? parameterValues.get(name)
                    : spec.has("Default") ? spec.get("Default").asText() : null;
            if (value == null) {
                throw new IllegalArgumentException("Template parameter " + name + " has no Default and no local value");
            }
            check(name, spec, value);
            parameters.put(name, value);
        }
        for (String name : parameterValues.keySet()) {
            if (!parameters.containsKey(name)) {
                throw new IllegalArgumentException("No parameter " + name + " in " + file);
            }
        }
        return new LocalApiTemplate(sam, parameters, resourceNames);
    }

    /** Logical ids of a template's resources of a type, read before any parameter value is known. */
    public static List<String> resourcesOfType(Path file, String type) throws IOException {
        return new SamTemplate(CloudFormationYaml.read(file)).resourcesOfType(type);
    }

    private static void check(String name, JsonNode spec, String value) {
        if (spec.has("AllowedPattern") && !Pattern.compile(spec.get("AllowedPattern").asText()).matcher(value).matches()) {
            throw new IllegalArgumentException("Parameter " + name + "=" + value + " does not match its AllowedPattern "
                    + spec.get("AllowedPattern").asText());
        }
        if (spec.has("AllowedValues")) {
            boolean allowed = false;
            for (JsonNode allowedValue : spec.get("AllowedValues")) {
                allowed |= allowedValue.asText().equals(value);
            }
            if (!allowed) {
                throw new IllegalArgumentException("Parameter " + name + "=" + value + " is not one of " + spec.get("AllowedValues"));
            }
        }
        if ("Number".equals(spec.path("Type").asText())) {
            double number;
            try {
                number = Double.parseDouble(value);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("Parameter " + name + "=" + value + " is not a number");
            }
            if ((spec.has("MinValue") && number < spec.get("MinValue").asDouble())
                    || (spec.has("MaxValue") && number > spec.get("MaxValue").asDouble())) {
                throw new IllegalArgumentException("Parameter " + name + "=" + value + " is out of its MinValue/MaxValue");
            }
        }
    }

    /** Every {@code Api} event of every function, in template order. */
    public List<Route> routes() {
        List<Route> routes = new ArrayList<>();
        for (String functionId : resourcesOfType(FUNCTION)) {
            for (Iterator<Map.Entry<String, JsonNode>> it = resource(functionId).path("Properties").path("Events").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> event = it.next();
                if (!"Api".equals(event.getValue().path("Type").asText())) {
                    continue;
                }
                JsonNode properties = event.getValue().path("Properties");
                String path = text(properties.path("Path"), functionId + " event " + event.getKey() + " Path");
                String method = text(properties.path("Method"), functionId + " event " + event.getKey() + " Method")
                        .toUpperCase(java.util.Locale.ROOT);
                JsonNode api = api(properties.path("RestApiId"));
                String authorizer = properties.path("Auth").path("Authorizer").asText(
                        api.path("Properties").path("Auth").path("DefaultAuthorizer").asText(""));
                routes.add(new Route(method, path, functionId,
                        authorizer.isEmpty() || "NONE".equals(authorizer) ? Optional.empty() : Optional.of(authorizer),
                        properties.path("TimeoutInMillis").asInt(29_000)));
            }
        }
        return routes;
    }

    /** The API resource a route belongs to (the template's only AWS::Serverless::Api when RestApiId is absent). */
    private JsonNode api(JsonNode restApiId) {
        if (restApiId.isMissingNode()) {
            List<String> apis = resourcesOfType(API);
            return apis.size() == 1 ? resource(apis.get(0)) : Json.MAPPER.createObjectNode();
        }
        String id = restApiId.path("Ref").asText(null);
        if (id == null || !API.equals(resource(id).path("Type").asText())) {
            throw new IllegalArgumentException("RestApiId must be !Ref of an " + API + ": " + restApiId);
        }
        return resource(id);
    }

    private JsonNode onlyApi() {
        List<String> apis = resourcesOfType(API);
        if (apis.size() != 1) {
            throw new IllegalArgumentException("The local API serves a template with exactly one " + API + "; found " + apis);
        }
        return resource(apis.get(0));
    }

    public String stageName() {
        return resolve(onlyApi().path("Properties").path("StageName"), "StageName");
    }

    public Authorizer authorizer(String name) {
        JsonNode spec = onlyApi().path("Properties").path("Auth").path("Authorizers").path(name);
        if (spec.isMissingNode()) {
            throw new IllegalArgumentException("No authorizer " + name + " under the API's Auth.Authorizers");
        }
        String payloadType = spec.path("FunctionPayloadType").asText("TOKEN");
        if (!"TOKEN".equals(payloadType)) {
            throw new IllegalArgumentException("Authorizer " + name + ": only TOKEN authorizers are served locally, not " + payloadType);
        }
        String functionId = functionIdOf(spec.path("FunctionArn"), "authorizer " + name + " FunctionArn");
        JsonNode identity = spec.path("Identity");
        String expression = identity.path("ValidationExpression").asText("");
        return new Authorizer(name, functionId, identity.path("Header").asText("Authorization"),
                expression.isEmpty() ? Optional.empty() : Optional.of(Pattern.compile(expression)),
                identity.path("ReauthorizeEvery").asInt(300));
    }

    /** {@code !Ref Fn.Alias}, {@code !Ref Fn}, {@code !GetAtt Fn.Arn}: the function's logical id. */
    private String functionIdOf(JsonNode arn, String what) {
        String id = null;
        if (arn.has("Ref")) {
            id = arn.get("Ref").asText().split("\\.", 2)[0];
        } else if (arn.has("Fn::GetAtt")) {
            id = arn.get("Fn::GetAtt").get(0).asText();
        }
        if (id == null || !FUNCTION.equals(resource(id).path("Type").asText())) {
            throw new IllegalArgumentException(what + " does not name a function of the template: " + arn);
        }
        return id;
    }

    /** A stage's throttling of one method: steady requests per second and burst, as API Gateway's token bucket has them. */
    public record Throttle(double ratePerSecond, int burst) {
    }

    /**
     * The stage's throttling of a route, from the API's MethodSettings: the entry for exactly its
     * resource path ({@code /~1exports~1onboarding}) and method wins over {@code /*} and {@code *}; empty
     * when no entry throttles it.
     */
    public Optional<Throttle> throttle(String method, String path) {
        JsonNode best = null;
        int bestScore = -1;
        for (JsonNode setting : onlyApi().path("Properties").path("MethodSettings")) {
            // "/~1exports~1onboarding": a slash, then the resource path with its slashes escaped as ~1.
            String resourcePath = setting.path("ResourcePath").asText("/*");
            resourcePath = resourcePath.equals("/*") ? resourcePath : resourcePath.substring(1).replace("~1", "/");
            String httpMethod = setting.path("HttpMethod").asText("*");
            boolean pathMatches = resourcePath.equals("/*") || resourcePath.equals(path);
            boolean methodMatches = httpMethod.equals("*") || httpMethod.equalsIgnoreCase(method);
            int score = (resourcePath.equals("/*") ? 0 : 2) + (httpMethod.equals("*") ? 0 : 1);
            if (pathMatches && methodMatches && setting.has("ThrottlingRateLimit") && score > bestScore) {
                best = setting;
                bestScore = score;
            }
        }
        if (best == null) {
            return Optional.empty();
        }
        String where = "MethodSettings of " + method + " " + path;
        return Optional.of(new Throttle(Double.parseDouble(resolve(best.get("ThrottlingRateLimit"), where)),
                Integer.parseInt(resolve(best.path("ThrottlingBurstLimit"), where))));
    }

    /**
     * A rate-based rule of an AWS WAF web ACL of the template: requests counted per source IP
     * ({@code header} null) or per value of a header, at most {@code limit} in {@code windowSeconds}.
     */
    public record RateRule(String name, String header, long limit, int windowSeconds) {
    }

    /** The rate-based rules of the template's web ACLs that this stack creates (their Condition holds). */
    public List<RateRule> wafRateRules() {
        List<RateRule> rules = new ArrayList<>();
        for (String id : resourcesOfType("AWS::WAFv2::WebACL")) {
            JsonNode acl = resource(id);
            if (acl.has("Condition") && !condition(acl.get("Condition").asText(), id + " Condition")) {
                continue;
            }
            for (JsonNode rule : acl.path("Properties").path("Rules")) {
                JsonNode rate = rule.path("Statement").path("RateBasedStatement");
                if (rate.isMissingNode() || !rule.path("Action").has("Block")) {
                    continue;
                }
                String where = id + " rule " + rule.path("Name").asText();
                String keyType = rate.path("AggregateKeyType").asText("IP");
                JsonNode customKeys = rate.path("CustomKeys");
                String header = null;
                if ("CUSTOM_KEYS".equals(keyType) && customKeys.size() == 1 && customKeys.get(0).has("Header")) {
                    header = customKeys.get(0).path("Header").path("Name").asText();
                } else if (!"IP".equals(keyType)) {
                    throw new IllegalArgumentException(where + ": the local API counts per IP or per one header, not " + rate);
                }
                rules.add(new RateRule(rule.path("Name").asText(), header, Long.parseLong(resolve(rate.path("Limit"), where)),
                        rate.path("EvaluationWindowSec").asInt(300)));
            }
        }
        return rules;
    }

    public Optional<GatewayResponse> gatewayResponse(String type) {
        JsonNode spec = onlyApi().path("Properties").path("GatewayResponses").path(type);
        if (spec.isMissingNode()) {
            return Optional.empty();
        }
        Map<String, String> headers = new LinkedHashMap<>();
        spec.path("ResponseParameters").path("Headers").fields().forEachRemaining(h -> {
            // A mapping expression; !If [condition, ..., !Ref AWS::NoValue] may leave the header out.
            String mapping = resolve(h.getValue(), "gateway response " + type + " header " + h.getKey());
            if (mapping != null) {
                headers.put(h.getKey(), mapping);
            }
        });
        String body = spec.path("ResponseTemplates").path("application/json").asText(null);
        return Optional.of(new GatewayResponse(spec.path("StatusCode").asInt(0), body, headers));
    }

    /** A function's settings with Globals.Function applied as SAM applies them ({@link SamTemplate#functionProperties}). */
    public Function function(String logicalId) {
        if (!FUNCTION.equals(resource(logicalId).path("Type").asText())) {
            throw new IllegalArgumentException("No " + FUNCTION + " " + logicalId + " in the template");
        }
        JsonNode properties = sam.functionProperties(logicalId);
        Map<String, String> environment = new LinkedHashMap<>();
        properties.path("Environment").path("Variables").fields().forEachRemaining(e -> {
            String value = resolve(e.getValue(), logicalId + " Environment " + e.getKey());
            if (value != null) {
                environment.put(e.getKey(), value);
            }
        });
        String functionName = properties.has("FunctionName")
                ? resolve(properties.get("FunctionName"), logicalId + " FunctionName") : STACK_NAME + "-" + logicalId;
        String alias = properties.has("AutoPublishAlias") ? resolve(properties.get("AutoPublishAlias"), "AutoPublishAlias") : null;
        // The function's CodeUri, then the ContentUri of each of its layers: what Lambda puts on its classpath.
        List<String> codeFolders = new ArrayList<>();
        codeFolders.add(text(properties.path("CodeUri"), logicalId + " CodeUri"));
        for (JsonNode layer : properties.path("Layers")) {
            String layerId = layer.path("Ref").asText();
            codeFolders.add(text(resource(layerId).path("Properties").path("ContentUri"), layerId + " ContentUri"));
        }
        JsonNode eventInvokeConfig = properties.path("EventInvokeConfig");
        JsonNode onFailure = eventInvokeConfig.path("DestinationConfig").path("OnFailure");
        String destinationType = onFailure.path("Type").asText("");
        if (!onFailure.isMissingNode() && !destinationType.equals("SQS") && !destinationType.equals("Lambda")) {
            throw new IllegalArgumentException(logicalId + " EventInvokeConfig OnFailure: the local API sends failure records to"
                    + " an SQS queue or a Lambda function, not " + onFailure.path("Type"));
        }
        Optional<Destination> destination = onFailure.isMissingNode() ? Optional.empty() : Optional.of(new Destination(destinationType,
                resolve(onFailure.path("Destination"), logicalId + " EventInvokeConfig OnFailure")));
        return new Function(logicalId, functionName,
                text(properties.path("Handler"), logicalId + " Handler"),
                properties.path("Timeout").asInt(3),
                properties.path("MemorySize").asInt(128),
                Optional.ofNullable(alias), environment, List.copyOf(codeFolders),
                eventInvokeConfig.path("MaximumRetryAttempts").asInt(2), destination,
                eventInvokeConfig.has("MaximumEventAgeInSeconds")
                        ? Integer.parseInt(resolve(eventInvokeConfig.get("MaximumEventAgeInSeconds"), logicalId + " MaximumEventAgeInSeconds"))
                        : 21_600,
                properties.has("ReservedConcurrentExecutions")
                        ? java.util.OptionalInt.of(Integer.parseInt(resolve(properties.get("ReservedConcurrentExecutions"),
                                logicalId + " ReservedConcurrentExecutions")))
                        : java.util.OptionalInt.empty(),
                logging(properties.path("LoggingConfig"), logicalId));
    }

    /**
     * Resolves a value the way CloudFormation would for this local stack: scalars, Ref, Sub, GetAtt
     * of mapped resources, and If on the template's Conditions ({@code null} for AWS::NoValue).
     */
    public String resolve(JsonNode value, String where) {
        if (value.isValueNode()) {
            return value.asText();
        }
        if (value.has("Fn::If") && value.get("Fn::If").size() == 3) {
            JsonNode branches = value.get("Fn::If");
            return resolve(branches.get(condition(branches.get(0).asText(), where) ? 1 : 2), where);
        }
        if ("AWS::NoValue".equals(value.path("Ref").asText())) {
            return null;
        }
        if (value.has("Ref")) {
            return ref(value.get("Ref").asText(), where);
        }
        if (value.has("Fn::GetAtt")) {
            JsonNode getAtt = value.get("Fn::GetAtt");
            String name = getAtt.isArray() ? getAtt.path(0).asText() + "." + getAtt.path(1).asText() : getAtt.asText();
            if (resourceNames.containsKey(name)) {
                return resourceNames.get(name);
            }
            throw new IllegalArgumentException(where + ": !GetAtt " + name + " has no local value");
        }
        if (value.has("Fn::Sub") && value.get("Fn::Sub").isTextual()) {
            Matcher matcher = Pattern.compile("\\$\\{([^}!]+)}").matcher(value.get("Fn::Sub").asText());
            StringBuilder out = new StringBuilder();
            while (matcher.find()) {
                matcher.appendReplacement(out, Matcher.quoteReplacement(ref(matcher.group(1), where)));
            }
            matcher.appendTail(out);
            return out.toString();
        }
        throw new IllegalArgumentException(where + ": the local API cannot resolve " + value
                + " (only plain values, !Ref and !Sub of parameters and mapped resources)");
    }

    /** A condition of the template's Conditions section: Equals, Not, And, Or and Condition of values resolve() knows. */
    private boolean condition(String name, String where) {
        JsonNode spec = sam.section("Conditions").path(name);
        if (spec.isMissingNode()) {
            throw new IllegalArgumentException(where + ": no condition " + name + " in the template");
        }
        return evaluate(spec, where + " (condition " + name + ")");
    }

    private boolean evaluate(JsonNode spec, String where) {
        if (spec.has("Condition")) {
            return condition(spec.get("Condition").asText(), where);
        }
        if (spec.has("Fn::Equals")) {
            return java.util.Objects.equals(resolve(spec.get("Fn::Equals").get(0), where), resolve(spec.get("Fn::Equals").get(1), where));
        }
        if (spec.has("Fn::Not")) {
            return !evaluate(spec.get("Fn::Not").get(0), where);
        }
        boolean and = spec.has("Fn::And");
        if (and || spec.has("Fn::Or")) {
            boolean result = and;
            for (JsonNode part : spec.get(and ? "Fn::And" : "Fn::Or")) {
                result = and ? result && evaluate(part, where) : result || evaluate(part, where);
            }
            return result;
        }
        throw new IllegalArgumentException(where + ": the local API cannot evaluate " + spec);
    }

    private String ref(String name, String where) {
        if (parameters.containsKey(name)) {
            return parameters.get(name);
        }
        if (resourceNames.containsKey(name)) {
            return resourceNames.get(name);
        }
        // !Ref of the API: a local id (a function that is given the API's URL gets the local API's).
        if (API.equals(resource(name).path("Type").asText())) {
            return "local-api";
        }
        // !Ref Function.Alias (AutoPublishAlias): the alias ARN, as SAM resolves it.
        if (name.endsWith(".Alias") && FUNCTION.equals(resource(name.substring(0, name.length() - 6)).path("Type").asText())) {
            return function(name.substring(0, name.length() - 6)).invokedArn();
        }
        // The same in a template SAM has transformed: an alias's ARN, a function's name.
        JsonNode transformed = resource(name).path("Properties");
        if ("AWS::Lambda::Alias".equals(resource(name).path("Type").asText())) {
            return "arn:aws:lambda:" + REGION + ":" + ACCOUNT + ":function:" + resolve(transformed.path("FunctionName"), where)
                    + ":" + resolve(transformed.path("Name"), where);
        }
        if ("AWS::Lambda::Function".equals(resource(name).path("Type").asText()) && transformed.has("FunctionName")) {
            return resolve(transformed.path("FunctionName"), where);
        }
        return switch (name) {
            case "AWS::Region" -> REGION;
            case "AWS::AccountId" -> ACCOUNT;
            case "AWS::StackName" -> STACK_NAME;
            case "AWS::Partition" -> "aws";
            case "AWS::URLSuffix" -> "amazonaws.com";
            default -> throw new IllegalArgumentException(where + ": !Ref " + name
                    + " is neither a parameter nor a resource with a local value");
        };
    }

    /**
     * A schedule of the template (a function's ScheduleV2 event): its event id, its function and the
     * input it sends, and the EventBridge Scheduler schedule SAM makes of it: name, expression, time
     * zone ({@code null} for UTC), state and retry policy.
     */
    public record Schedule(String name, String functionId, String input, String scheduleName, String expression,
                           String timezone, String state, int maximumEventAgeSeconds, int maximumRetryAttempts) {
    }

    /** Every ScheduleV2 event of the template's functions, with its Input as the function receives it. */
    public List<Schedule> schedules() {
        List<Schedule> schedules = new ArrayList<>();
        for (String functionId : resourcesOfType(FUNCTION)) {
            resource(functionId).path("Properties").path("Events").fields().forEachRemaining(event -> {
                if ("ScheduleV2".equals(event.getValue().path("Type").asText())) {
                    JsonNode properties = event.getValue().path("Properties");
                    String where = functionId + " event " + event.getKey();
                    // SAM's defaults: the schedule is named after the function and the event, and enabled.
                    schedules.add(new Schedule(event.getKey(), functionId, properties.path("Input").asText(),
                            properties.has("Name") ? resolve(properties.get("Name"), where + " Name") : functionId + event.getKey(),
                            resolve(properties.path("ScheduleExpression"), where + " ScheduleExpression"),
                            properties.has("ScheduleExpressionTimezone")
                                    ? resolve(properties.get("ScheduleExpressionTimezone"), where + " ScheduleExpressionTimezone") : null,
                            properties.has("State") ? resolve(properties.get("State"), where + " State") : "ENABLED",
                            // Scheduler's defaults when the template sets none: a day, 185 retries.
                            properties.path("RetryPolicy").path("MaximumEventAgeInSeconds").asInt(86400),
                            properties.path("RetryPolicy").path("MaximumRetryAttempts").asInt(185)));
                }
            });
        }
        return schedules;
    }

    /** Logical ids of the template's resources of a type, in template order. */
    public List<String> resourcesOfType(String type) {
        return sam.resourcesOfType(type);
    }

    private JsonNode resource(String logicalId) {
        return sam.resource(logicalId);
    }

    /**
     * The variables Lambda sets from a function's LoggingConfig: AWS_LAMBDA_LOG_FORMAT, and with the
     * JSON format AWS_LAMBDA_LOG_LEVEL (the ApplicationLogLevel, INFO unless set).
     */
    private Map<String, String> logging(JsonNode config, String logicalId) {
        Map<String, String> variables = new LinkedHashMap<>();
        String format = config.has("LogFormat") ? resolve(config.get("LogFormat"), logicalId + " LoggingConfig LogFormat") : "Text";
        variables.put("AWS_LAMBDA_LOG_FORMAT", format);
        if ("JSON".equals(format)) {
            variables.put("AWS_LAMBDA_LOG_LEVEL", config.has("ApplicationLogLevel")
                    ? resolve(config.get("ApplicationLogLevel"), logicalId + " LoggingConfig ApplicationLogLevel") : "INFO");
        }
        return Map.copyOf(variables);
    }

    private static String text(JsonNode node, String what) {
        if (!node.isTextual() || node.asText().isBlank()) {
            throw new IllegalArgumentException(what + " is missing or not a plain string: " + node);
        }
        return node.asText();
    }
}
