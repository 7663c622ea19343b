package com.onboardingexport.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.onboardingexport.shared.Json;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * A local stand-in for API Gateway (REST) in front of the template's functions, like
 * {@code sam local start-api} but without Docker. Everything it serves comes from template.yaml:
 * the routes (each function's {@code Api} events), the TOKEN authorizer (the API's
 * DefaultAuthorizer: identity header, validation expression, result cache TTL), the gateway
 * responses, and each function's Handler, Timeout, MemorySize and environment. Each function runs
 * in JVMs of its own ({@link LocalApiFunction}) with exactly its environment, so the two functions'
 * different settings (STRAPI_TIMEOUT_MS, JAVA_TOOL_OPTIONS...) apply as in Lambda.
 *
 * <p>Per request, as API Gateway does: route match (else MISSING_AUTHENTICATION_TOKEN); identity
 * header present and matching the validation expression (else 401 without calling the
 * authorizer); the authorizer's policy, cached per token for ReauthorizeEvery seconds, evaluated
 * against the request's method ARN (explicit Deny or no Allow: 403); then the function with a REST
 * proxy event whose requestContext.authorizer holds the policy's context and principalId. An
 * authorizer that throws "Unauthorized" gives 401, any other authorizer error 500; a function error
 * or malformed proxy response gives 502 {"message": "Internal server error"}; a function slower
 * than the integration timeout gives INTEGRATION_TIMEOUT.
 *
 * <p>It also serves Lambda's Invoke API (AWS_ENDPOINT_URL_LAMBDA of the functions), so a function
 * that invokes another asynchronously (the export's background mode) works locally, and GetAlias and
 * ListVersionsByFunction, which say which version an alias runs ({@link #PUBLISHED_VERSION}). As in
 * Lambda, the handler's context has the request id the Invoke API answered; a failed asynchronous
 * invocation is retried as its EventInvokeConfig says, then Lambda's failure record goes to its
 * on-failure destination: an SQS queue, or an asynchronous invocation of a function of the template.
 */
public final class LocalApi implements AutoCloseable {
    /** The API's id in method ARNs and request contexts. */
    public static final String API_ID = "localapi01";
    /** The X-Ray daemon address (host:port, UDP) given to the functions; else the environment's {@code AWS_XRAY_DAEMON_ADDRESS}. */
    public static final String XRAY_DAEMON_PROPERTY = "local.xrayDaemonAddress";
    private static final Map<String, Integer> DEFAULT_STATUS = Map.of(
            "UNAUTHORIZED", 401, "ACCESS_DENIED", 403, "MISSING_AUTHENTICATION_TOKEN", 403,
            "AUTHORIZER_FAILURE", 500, "AUTHORIZER_CONFIGURATION_ERROR", 500, "INTEGRATION_TIMEOUT", 504,
            "THROTTLED", 429, "WAF_FILTERED", 403);
    private static final String INTERNAL_SERVER_ERROR = "{\"message\": \"Internal server error\"}";
    private static final DateTimeFormatter REQUEST_TIME = DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    /**
     * How to run the template locally.
     *
     * @param template      the SAM template
     * @param port          the API's port (0 for a free one)
     * @param parameters    local values of template parameters (the others take their Default)
     * @param resourceNames what {@code !Ref} of a resource means locally (the bucket's logical id to its name)
     * @param localEnvironment variables every function gets over its own: credentials, AWS_ENDPOINT_URL..., local overrides
     * @param log           where function logs and the access log go
     */
    public record Config(Path template, int port, Map<String, String> parameters, Map<String, String> resourceNames,
                         Map<String, String> localEnvironment, Consumer<String> log) {
    }

    private record CompiledRoute(LocalApiTemplate.Route route, Pattern pattern, List<String> parameterNames, int literalLength) {
    }

    private record CachedPolicy(JsonNode answer, long expiresNanos) {
    }

    private final LocalApiTemplate template;
    private final String stage;
    private final List<CompiledRoute> routes = new ArrayList<>();
    private final Map<String, LocalApiTemplate.Authorizer> authorizers = new LinkedHashMap<>();
    private final Map<String, LocalApiFunction> functions = new LinkedHashMap<>();
    private final Map<String, CachedPolicy> policyCache = new ConcurrentHashMap<>();
    /** The stage's throttling: one token bucket per method (route and HTTP method), as MethodSettings set them. */
    private final Map<String, Optional<TokenBucket>> buckets = new ConcurrentHashMap<>();
    /** The template's AWS WAF rate rules in front of the stage (none when its web ACL is off). */
    private final LocalWaf waf;
    private final List<String> functionErrors = new CopyOnWriteArrayList<>();
    private final Consumer<String> log;
    private LocalFailureDestination failureDestination;
    private Optional<AwsCallLog> callLog = Optional.empty();
    private String apiUrlForFunctions;
    private final ExecutorService executor = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "local-api");
        thread.setDaemon(true);
        return thread;
    });
    /** Lambda's retries of failed asynchronous invocations, minutes later. */
    private final java.util.concurrent.ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "local-api-retries");
        thread.setDaemon(true);
        return thread;
    });
    private HttpServer api;
    private HttpServer lambdaApi;

    private LocalApi(LocalApiTemplate template, Consumer<String> log) {
        this.template = template;
        this.stage = template.stageName();
        this.log = log;
        this.waf = new LocalWaf(template.wafRateRules());
    }

    public static LocalApi start(Config config) throws IOException, InterruptedException {
        LocalApiTemplate template = LocalApiTemplate.read(config.template(), config.parameters(), config.resourceNames());
        LocalApi local = new LocalApi(template, config.log());
        try {
            local.startServers(config);
        } catch (IOException | InterruptedException | RuntimeException e) {
            local.close();
            throw e;
        }
        return local;
    }

    private void startServers(Config config) throws IOException, InterruptedException {
        lambdaApi = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        lambdaApi.createContext("/", exchange -> handleSafely(exchange, this::handleLambdaApi));
        lambdaApi.setExecutor(executor);
        lambdaApi.start();

        for (LocalApiTemplate.Route route : template.routes()) {
            routes.add(compile(route));
            route.authorizer().ifPresent(name -> authorizers.computeIfAbsent(name, template::authorizer));
        }
        if (routes.isEmpty()) {
            throw new IllegalArgumentException("No Api events in " + config.template());
        }
        // Most specific first, as API Gateway matches: more literal characters win over path variables.
        routes.sort((a, b) -> Integer.compare(b.literalLength(), a.literalLength()));

        failureDestination = new LocalFailureDestination(config.localEnvironment());
        callLog = AwsCallLog.start(config);
        api = HttpServer.create(new InetSocketAddress("127.0.0.1", config.port()), 0);
        Map<String, String> lambdaEnvironment = new LinkedHashMap<>(config.localEnvironment());
        // A function the template gives the API's URL (API_URL) gets this local API's.
        apiUrlForFunctions = "http://127.0.0.1:" + api.getAddress().getPort();
        lambdaEnvironment.put("AWS_ENDPOINT_URL_LAMBDA", "http://127.0.0.1:" + lambdaApi.getAddress().getPort());
        // Every function of the template: those behind routes, and the others (a worker) for the Invoke API.
        List<String> functionIds = template.resourcesOfType(LocalApiTemplate.FUNCTION);
        for (String id : functionIds) {
            if (!functions.containsKey(id)) {
                LocalApiTemplate.Function spec = template.function(id);
                functions.put(id, new LocalApiFunction(spec, environment(spec, lambdaEnvironment), log));
            }
        }

        api.createContext("/", exchange -> handleSafely(exchange, this::handleApiRequest));
        LocalOpenApi.serve(api, config.template().resolveSibling("openapi.yaml"), exchange -> handleSafely(exchange, this::handleApiRequest));
        LocalApiExplorer.serve(api, config.template().resolveSibling("openapi.yaml"), exchange -> handleSafely(exchange, this::handleApiRequest), log);
        api.setExecutor(executor);

        for (CompiledRoute route : routes) {
            LocalApiTemplate.Function spec = functions.get(route.route().functionId()).spec();
            log.accept("[LocalApi] " + route.route().method() + " " + route.route().path() + " -> " + spec.logicalId()
                    + " (" + spec.handler() + ")" + route.route().authorizer()
                    .map(name -> ", authorizer " + name + " -> " + authorizers.get(name).functionId()).orElse(""));
        }
        for (LocalApiTemplate.RateRule rule : waf.rules()) {
            log.accept("[LocalApi] AWS WAF rule " + rule.name() + ": at most " + rule.limit() + " requests per "
                    + (rule.header() == null ? "source IP" : rule.header() + " header") + " in " + rule.windowSeconds() + " s");
        }
        // Start one environment per function now (in parallel): init errors show at once, first requests are warm.
        List<java.util.concurrent.Future<?>> warming = new ArrayList<>();
        for (LocalApiFunction function : functions.values()) {
            warming.add(executor.submit(() -> {
                function.warm();
                return null;
            }));
        }
        for (java.util.concurrent.Future<?> future : warming) {
            try {
                future.get();
            } catch (ExecutionException e) {
                throw new IllegalStateException("A function could not start: " + e.getCause().getMessage(), e.getCause());
            }
        }
        for (LocalApiFunction function : functions.values()) {
            function.initError().ifPresent(error -> log.accept("[LocalApi] WARNING " + function.spec().logicalId()
                    + " cannot load its handler " + function.spec().handler() + ": every invocation will fail, as in Lambda: " + error));
        }
        api.start();
    }

    /** The function's environment as Lambda sets it: the template's variables, then the runtime's own. */
    private Map<String, String> environment(LocalApiTemplate.Function spec, Map<String, String> aws) {
        Map<String, String> env = new LinkedHashMap<>(spec.environment());
        env.putAll(aws);
        if (env.containsKey("API_URL")) {
            env.put("API_URL", apiUrlForFunctions);
        }
        callLog.ifPresent(calls -> env.put(AwsCallRecorder.LOG_VARIABLE, calls.prefix(spec.logicalId())));
        env.put("AWS_REGION", LocalApiTemplate.REGION);
        env.put("AWS_DEFAULT_REGION", LocalApiTemplate.REGION);
        env.put("AWS_LAMBDA_FUNCTION_NAME", spec.functionName());
        env.put("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST");
        env.put("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", Integer.toString(spec.memoryMb()));
        env.put("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/" + spec.functionName());
        env.put("AWS_EXECUTION_ENV", "AWS_Lambda_java21");
        env.put("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand");
        // Lambda always names its X-Ray daemon; locally there is none unless one is named (an X-Ray daemon
        // of your own, or a test's listener): without it the functions send no subsegments (Traces).
        String daemon = Optional.ofNullable(System.getProperty(XRAY_DAEMON_PROPERTY)).orElse(System.getenv("AWS_XRAY_DAEMON_ADDRESS"));
        if (daemon != null && !daemon.isEmpty()) {
            env.put("AWS_XRAY_DAEMON_ADDRESS", daemon);
        }
        env.putAll(spec.logging());
        env.put("_HANDLER", spec.handler());
        env.put("TZ", ":UTC");
        // Lambda sets en_US.UTF-8; C.UTF-8 is the UTF-8 locale every Linux has.
        env.put("LANG", "C.UTF-8");
        env.put("PATH", "/usr/local/bin:/usr/bin:/bin");
        return env;
    }

    public URI url() {
        return URI.create("http://127.0.0.1:" + api.getAddress().getPort());
    }

    /** The Lambda API endpoint (Invoke, GetAlias, ListVersionsByFunction) the functions get as AWS_ENDPOINT_URL_LAMBDA. */
    public URI lambdaEndpoint() {
        return URI.create("http://127.0.0.1:" + lambdaApi.getAddress().getPort());
    }

    public String stage() {
        return stage;
    }

    /** Handler load errors of the functions (empty when every handler loaded). */
    public Map<String, String> initErrors() {
        Map<String, String> errors = new LinkedHashMap<>();
        functions.forEach((id, function) -> function.initError().ifPresent(error -> errors.put(id, error)));
        return errors;
    }

    /** How many times a function (by logical id) has been invoked. */
    public int invocations(String functionId) {
        LocalApiFunction function = functions.get(functionId);
        return function == null ? 0 : function.invocations();
    }

    /** Every function error so far, as "LogicalId: error document". */
    public List<String> functionErrors() {
        return Collections.unmodifiableList(functionErrors);
    }

    // ------------------------------------------------------------------ API Gateway

    private interface ExchangeHandler {
        void handle(HttpExchange exchange) throws Exception;
    }

    private void handleSafely(HttpExchange exchange, ExchangeHandler handler) {
        try (exchange) {
            handler.handle(exchange);
        } catch (Exception e) {
            log.accept("[LocalApi] internal error on " + exchange.getRequestMethod() + " " + exchange.getRequestURI() + ": " + e);
            try {
                Map<String, String> headers = gatewayHeaders(exchange, "DEFAULT_5XX", 500);
                headers.put("Content-Type", "application/json");
                send(exchange, 500, headers, INTERNAL_SERVER_ERROR);
            } catch (IOException | RuntimeException ignored) {
                // the answer may have been sent already
            }
        }
    }

    private void handleApiRequest(HttpExchange exchange) throws Exception {
        long started = System.nanoTime();
        String requestId = UUID.randomUUID().toString();
        String method = exchange.getRequestMethod().toUpperCase(Locale.ROOT);
        String path = exchange.getRequestURI().getRawPath();
        int status = respond(exchange, requestId, method, path);
        log.accept(String.format(Locale.ROOT, "[LocalApi] %s %s -> %d (%d ms, request %s)", method, path, status,
                (System.nanoTime() - started) / 1_000_000, requestId));
    }

    private int respond(HttpExchange exchange, String requestId, String method, String requestPath) throws Exception {
        // The stage traces every request (TracingEnabled): the authorizer and the function run in its trace.
        String trace = LocalTraceHeader.start();
        // AWS WAF sits in front of the stage: it counts and blocks before API Gateway does anything.
        if (waf.blocking(exchange.getRemoteAddress().getAddress().getHostAddress(), exchange.getRequestHeaders()::getFirst).isPresent()) {
            return gatewayResponse(exchange, "WAF_FILTERED", requestId, "Forbidden");
        }
        // Served at the root as sam local start-api does, and under the stage as the deployed API is.
        String rawPath = requestPath.startsWith("/" + stage + "/")
                && routes.stream().noneMatch(r -> r.pattern().matcher(requestPath).matches())
                ? requestPath.substring(stage.length() + 1) : requestPath;
        CompiledRoute matched = null;
        java.util.regex.Matcher matcher = null;
        for (CompiledRoute route : routes) {
            if (route.route().method().equals(method) || route.route().method().equals("ANY")) {
                java.util.regex.Matcher candidate = route.pattern().matcher(rawPath);
                if (candidate.matches()) {
                    matched = route;
                    matcher = candidate;
                    break;
                }
            }
        }
        if (matched == null) {
            return gatewayResponse(exchange, "MISSING_AUTHENTICATION_TOKEN", requestId, "Missing Authentication Token");
        }
        String methodArn = "arn:aws:execute-api:" + LocalApiTemplate.REGION + ":" + LocalApiTemplate.ACCOUNT + ":"
                + API_ID + "/" + stage + "/" + method + rawPath;
        // Stage throttling comes before the authorizer: a throttled request costs no invocation.
        LocalApiTemplate.Route route = matched.route();
        Optional<TokenBucket> bucket = buckets.computeIfAbsent(method + " " + route.path(),
                key -> template.throttle(method, route.path()).map(TokenBucket::new));
        if (bucket.isPresent() && !bucket.get().tryTake()) {
            return gatewayResponse(exchange, "THROTTLED", requestId, "Too Many Requests");
        }

        ObjectNode authorizerContext = null;
        if (matched.route().authorizer().isPresent()) {
            LocalApiTemplate.Authorizer authorizer = authorizers.get(matched.route().authorizer().get());
            String token = exchange.getRequestHeaders().getFirst(authorizer.identityHeader());
            if (token == null || token.isEmpty()
                    || authorizer.validation().map(p -> !p.matcher(token).matches()).orElse(false)) {
                return gatewayResponse(exchange, "UNAUTHORIZED", requestId, "Unauthorized");
            }
            CachedPolicy policy = policyCache.get(authorizer.name() + "\n" + token);
            if (policy == null || policy.expiresNanos() < System.nanoTime()) {
                ObjectNode event = Json.MAPPER.createObjectNode()
                        .put("type", "TOKEN").put("authorizationToken", token).put("methodArn", methodArn);
                LocalApiFunction function = functions.get(authorizer.functionId());
                Optional<java.util.concurrent.CompletableFuture<LocalApiFunction.Result>> invocation = function.invokeWithinReserved(
                        event.toString(), function.spec().invokedArn(), UUID.randomUUID().toString(), LocalTraceHeader.child(trace));
                if (invocation.isEmpty()) {
                    // The authorizer throttled (its reserved concurrency): API Gateway cannot authorize the request.
                    recordError(authorizer.functionId(), "throttled: reserved concurrency reached");
                    return gatewayResponse(exchange, "AUTHORIZER_FAILURE", requestId, null);
                }
                LocalApiFunction.Result result;
                try {
                    result = invocation.get().get(function.spec().timeoutSeconds() + 10L, TimeUnit.SECONDS);
                } catch (TimeoutException | ExecutionException e) {
                    recordError(authorizer.functionId(), "invocation failed: " + e);
                    return gatewayResponse(exchange, "AUTHORIZER_FAILURE", requestId, null);
                }
                if (result.functionError()) {
                    String message = errorMessage(result.payload());
                    if ("Unauthorized".equals(message)) {
                        return gatewayResponse(exchange, "UNAUTHORIZED", requestId, "Unauthorized");
                    }
                    recordError(authorizer.functionId(), result.payload());
                    return gatewayResponse(exchange, "AUTHORIZER_FAILURE", requestId, null);
                }
                JsonNode answer = parseJson(result.payload());
                Optional<String> invalid = invalidPolicy(answer);
                if (invalid.isPresent()) {
                    recordError(authorizer.functionId(), "invalid authorizer response: " + invalid.get() + ": " + result.payload());
                    return gatewayResponse(exchange, "AUTHORIZER_CONFIGURATION_ERROR", requestId, null);
                }
                policy = new CachedPolicy(answer, System.nanoTime() + TimeUnit.SECONDS.toNanos(authorizer.ttlSeconds()));
                if (authorizer.ttlSeconds() > 0) {
                    policyCache.put(authorizer.name() + "\n" + token, policy);
                }
            }
            if (!LocalApiPolicy.allows(policy.answer().path("policyDocument"), methodArn)) {
                return gatewayResponse(exchange, "ACCESS_DENIED", requestId, "User is not authorized to access this resource");
            }
            authorizerContext = Json.MAPPER.createObjectNode();
            JsonNode context = policy.answer().path("context");
            // A REST API hands context values to the integration as strings.
            for (var it = context.fields(); it.hasNext(); ) {
                var entry = it.next();
                authorizerContext.put(entry.getKey(), entry.getValue().asText());
            }
            authorizerContext.put("principalId", policy.answer().path("principalId").asText());
            authorizerContext.put("integrationLatency", 0);
        }

        ObjectNode event = proxyEvent(exchange, requestId, method, rawPath, matched, matcher, authorizerContext);
        LocalApiFunction function = functions.get(matched.route().functionId());
        Optional<java.util.concurrent.CompletableFuture<LocalApiFunction.Result>> invocation = function.invokeWithinReserved(
                event.toString(), function.spec().invokedArn(), UUID.randomUUID().toString(), LocalTraceHeader.child(trace));
        if (invocation.isEmpty()) {
            return throttledIntegration(exchange, requestId, function.spec().logicalId());
        }
        LocalApiFunction.Result result;
        try {
            result = invocation.get().get(matched.route().timeoutMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return gatewayResponse(exchange, "INTEGRATION_TIMEOUT", requestId, "Endpoint request timed out");
        } catch (ExecutionException e) {
            recordError(function.spec().logicalId(), "invocation failed: " + e.getCause());
            return internalServerError(exchange, requestId);
        }
        if (result.functionError()) {
            recordError(function.spec().logicalId(), result.payload());
            return internalServerError(exchange, requestId);
        }
        JsonNode response = parseJson(result.payload());
        if (response == null || !response.isObject() || !response.path("statusCode").canConvertToInt()) {
            recordError(function.spec().logicalId(), "Malformed Lambda proxy response: " + result.payload());
            return internalServerError(exchange, requestId);
        }
        Map<String, String> headers = new LinkedHashMap<>();
        response.path("multiValueHeaders").fields().forEachRemaining(h -> {
            if (h.getValue().isArray() && !h.getValue().isEmpty()) {
                headers.put(h.getKey(), h.getValue().get(h.getValue().size() - 1).asText());
            }
        });
        response.path("headers").fields().forEachRemaining(h -> headers.put(h.getKey(), h.getValue().asText()));
        if (headers.keySet().stream().noneMatch(h -> h.equalsIgnoreCase("Content-Type"))) {
            headers.put("Content-Type", "application/json");
        }
        headers.put("x-amzn-RequestId", requestId);
        String body = response.path("body").isNull() || response.path("body").isMissingNode() ? "" : response.path("body").asText();
        byte[] bytes = response.path("isBase64Encoded").asBoolean(false)
                ? Base64.getDecoder().decode(body) : body.getBytes(StandardCharsets.UTF_8);
        int status = response.path("statusCode").asInt();
        send(exchange, status, headers, bytes);
        return status;
    }

    private ObjectNode proxyEvent(HttpExchange exchange, String requestId, String method, String rawPath,
                                  CompiledRoute route, java.util.regex.Matcher matcher, ObjectNode authorizerContext) throws IOException {
        ObjectNode event = Json.MAPPER.createObjectNode();
        String path = URLDecoder.decode(rawPath.replace("+", "%2B"), StandardCharsets.UTF_8);
        event.put("resource", route.route().path());
        event.put("path", path);
        event.put("httpMethod", method);
        ObjectNode headers = Json.MAPPER.createObjectNode();
        ObjectNode multiHeaders = Json.MAPPER.createObjectNode();
        Map<String, List<String>> requestHeaders = new LinkedHashMap<>(exchange.getRequestHeaders());
        // What API Gateway adds in front of the integration (the local scheme and port, not https/443).
        requestHeaders.put("X-Forwarded-For", List.of(exchange.getRemoteAddress().getAddress().getHostAddress()));
        requestHeaders.put("X-Forwarded-Port", List.of(Integer.toString(exchange.getLocalAddress().getPort())));
        requestHeaders.put("X-Forwarded-Proto", List.of("http"));
        requestHeaders.forEach((name, values) -> {
            headers.put(name, values.get(values.size() - 1));
            values.forEach(multiHeaders.withArray(name)::add);
        });
        event.set("headers", headers);
        event.set("multiValueHeaders", multiHeaders);
        String query = exchange.getRequestURI().getRawQuery();
        if (query == null || query.isEmpty()) {
            event.putNull("queryStringParameters");
            event.putNull("multiValueQueryStringParameters");
        } else {
            ObjectNode single = event.putObject("queryStringParameters");
            ObjectNode multi = event.putObject("multiValueQueryStringParameters");
            for (String pair : query.split("&")) {
                String[] kv = pair.split("=", 2);
                String key = URLDecoder.decode(kv[0], StandardCharsets.UTF_8);
                String value = kv.length > 1 ? URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "";
                single.put(key, value);
                multi.withArray(key).add(value);
            }
        }
        if (route.parameterNames().isEmpty()) {
            event.putNull("pathParameters");
        } else {
            ObjectNode parameters = event.putObject("pathParameters");
            for (int i = 0; i < route.parameterNames().size(); i++) {
                parameters.put(route.parameterNames().get(i),
                        URLDecoder.decode(matcher.group(i + 1).replace("+", "%2B"), StandardCharsets.UTF_8));
            }
        }
        event.putNull("stageVariables");
        Instant now = Instant.now();
        ObjectNode context = event.putObject("requestContext");
        context.put("accountId", LocalApiTemplate.ACCOUNT);
        context.put("apiId", API_ID);
        context.put("resourceId", Integer.toHexString(route.route().path().hashCode()));
        context.put("resourcePath", route.route().path());
        context.put("httpMethod", method);
        context.put("requestId", requestId);
        context.put("extendedRequestId", requestId);
        context.put("requestTime", REQUEST_TIME.format(now));
        context.put("requestTimeEpoch", now.toEpochMilli());
        context.put("path", "/" + stage + path);
        context.put("stage", stage);
        context.put("protocol", exchange.getProtocol());
        // No domainName/domainPrefix: API Gateway's would be an https execute-api host. Without them
        // the export function builds its status_url from the Host header, which is the local one.
        context.putObject("identity")
                .put("sourceIp", exchange.getRemoteAddress().getAddress().getHostAddress())
                .put("userAgent", exchange.getRequestHeaders().getFirst("User-Agent"));
        if (authorizerContext != null) {
            context.set("authorizer", authorizerContext);
        }
        byte[] body = exchange.getRequestBody().readAllBytes();
        if (body.length == 0) {
            event.putNull("body");
        } else {
            event.put("body", new String(body, StandardCharsets.UTF_8));
        }
        event.put("isBase64Encoded", false);
        return event;
    }

    /**
     * The integration's function throttled (its reserved concurrency reached): Lambda refuses the
     * invocation with 429 TooManyRequestsException, which a REST API's proxy integration does not pass
     * on: the caller gets API Gateway's 500 "Internal server error", with DEFAULT_5XX's headers (CORS).
     */
    private int throttledIntegration(HttpExchange exchange, String requestId, String functionId) throws IOException {
        recordError(functionId, "throttled: reserved concurrency reached");
        Map<String, String> headers = gatewayHeaders(exchange, "DEFAULT_5XX", 500);
        headers.put("Content-Type", "application/json");
        headers.put("x-amzn-RequestId", requestId);
        headers.put("x-amzn-ErrorType", "InternalServerErrorException");
        send(exchange, 500, headers, INTERNAL_SERVER_ERROR);
        return 500;
    }

    /** A function that failed or answered no proxy response: API Gateway's 502, with DEFAULT_5XX's headers (CORS). */
    private int internalServerError(HttpExchange exchange, String requestId) throws IOException {
        Map<String, String> headers = gatewayHeaders(exchange, "DEFAULT_5XX", 502);
        headers.put("Content-Type", "application/json");
        headers.put("x-amzn-RequestId", requestId);
        headers.put("x-amzn-ErrorType", "InternalServerErrorException");
        send(exchange, 502, headers, INTERNAL_SERVER_ERROR);
        return 502;
    }

    /** The headers of that gateway response for this request: static ones and mapped request headers (CORS). */
    private Map<String, String> gatewayHeaders(HttpExchange exchange, String type, int defaultStatus) {
        return new LinkedHashMap<>(customised(type, defaultStatus)
                .map(c -> c.headers(exchange.getRequestHeaders()::getFirst)).orElse(Map.of()));
    }

    /** The template's customisation of a gateway response type, else its DEFAULT_4XX / DEFAULT_5XX. */
    private Optional<LocalApiTemplate.GatewayResponse> customised(String type, int defaultStatus) {
        return template.gatewayResponse(type)
                .or(() -> template.gatewayResponse(defaultStatus < 500 ? "DEFAULT_4XX" : "DEFAULT_5XX"));
    }

    /**
     * Answers with the template's gateway response of that type: its own customisation, else
     * DEFAULT_4XX / DEFAULT_5XX (whose status code then applies), else API Gateway's default.
     * Its headers map static values and the request's headers (the CORS Origin echo) as API Gateway does.
     */
    private int gatewayResponse(HttpExchange exchange, String type, String requestId, String message) throws IOException {
        int defaultStatus = DEFAULT_STATUS.getOrDefault(type, 500);
        Optional<LocalApiTemplate.GatewayResponse> custom = customised(type, defaultStatus);
        int status = custom.map(LocalApiTemplate.GatewayResponse::status).filter(s -> s > 0).orElse(defaultStatus);
        String body = custom.map(LocalApiTemplate.GatewayResponse::bodyTemplate)
                .orElse("{\"message\":$context.error.messageString}");
        String quoted = message == null ? "null" : Json.MAPPER.writeValueAsString(message);
        body = body.replace("$context.requestId", requestId)
                .replace("$context.error.messageString", quoted)
                .replace("$context.error.message", message == null ? "null" : message)
                .replace("$context.error.responseType", type);
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/json");
        headers.putAll(gatewayHeaders(exchange, type, defaultStatus));
        headers.put("x-amzn-RequestId", requestId);
        send(exchange, status, headers, body);
        return status;
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

    private static CompiledRoute compile(LocalApiTemplate.Route route) {
        StringBuilder regex = new StringBuilder();
        List<String> names = new ArrayList<>();
        int literal = 0;
        for (String segment : route.path().split("/")) {
            if (segment.isEmpty()) {
                continue;
            }
            regex.append('/');
            if (segment.startsWith("{") && segment.endsWith("+}")) {
                names.add(segment.substring(1, segment.length() - 2));
                regex.append("(.+)");
            } else if (segment.startsWith("{") && segment.endsWith("}")) {
                names.add(segment.substring(1, segment.length() - 1));
                regex.append("([^/]+)");
            } else {
                regex.append(Pattern.quote(segment));
                literal += segment.length() + 1;
            }
        }
        if (regex.isEmpty()) {
            regex.append('/');
        }
        return new CompiledRoute(route, Pattern.compile(regex + "/?"), names, literal);
    }

    // ------------------------------------------------------------------ Lambda API

    /**
     * The local run publishes each function that has an alias (AutoPublishAlias) once, at start, as
     * this version, and points the alias at it: what a first deploy leaves.
     */
    static final String PUBLISHED_VERSION = "1";
    private static final Pattern FUNCTION_PATH = Pattern.compile("/2015-03-31/functions/([^/]+)/(invocations|versions|aliases/([^/]+))");

    /** Lambda's API for the template's functions: Invoke, and GetAlias and ListVersionsByFunction (what the alias runs). */
    private void handleLambdaApi(HttpExchange exchange) throws Exception {
        java.util.regex.Matcher matcher = FUNCTION_PATH.matcher(exchange.getRequestURI().getRawPath());
        String operation = matcher.matches() ? matcher.group(2) : "";
        boolean get = "GET".equals(exchange.getRequestMethod());
        boolean invoke = "invocations".equals(operation) && "POST".equals(exchange.getRequestMethod());
        if (!invoke && !(get && (operation.equals("versions") || operation.startsWith("aliases/")))) {
            send(exchange, 404, Map.of("Content-Type", "application/json", "x-amzn-ErrorType", "UnknownOperationException"),
                    "{\"message\":\"Only Invoke, GetAlias and ListVersionsByFunction are served here\"}");
            return;
        }
        String target = URLDecoder.decode(matcher.group(1), StandardCharsets.UTF_8);
        String[] parts = target.split(":");
        String qualifier = target.startsWith("arn:") ? (parts.length > 7 ? parts[7] : null) : (parts.length > 1 ? parts[1] : null);
        qualifier = queryParameter(exchange, "Qualifier").orElse(qualifier);
        LocalApiFunction function = function(target);
        if (function == null) {
            notFound(exchange, "Function not found: " + target);
            return;
        }
        LocalApiTemplate.Function spec = function.spec();
        if (operation.equals("versions")) {
            ObjectNode answer = Json.MAPPER.createObjectNode();
            answer.withArray("Versions").add(configuration(spec, "$LATEST"));
            spec.alias().ifPresent(alias -> answer.withArray("Versions").add(configuration(spec, PUBLISHED_VERSION)));
            send(exchange, 200, Map.of("Content-Type", "application/json"), answer.toString());
            return;
        }
        if (operation.startsWith("aliases/")) {
            String alias = URLDecoder.decode(matcher.group(3), StandardCharsets.UTF_8);
            if (!spec.alias().equals(Optional.of(alias))) {
                notFound(exchange, "Cannot find alias arn: " + spec.arn() + ":" + alias);
                return;
            }
            send(exchange, 200, Map.of("Content-Type", "application/json"), Json.MAPPER.createObjectNode()
                    .put("AliasArn", spec.arn() + ":" + alias).put("Name", alias)
                    .put("FunctionVersion", PUBLISHED_VERSION).put("Description", "").toString());
            return;
        }
        Optional<String> executedVersion = executedVersion(spec, qualifier);
        if (executedVersion.isEmpty()) {
            notFound(exchange, "Function not found: " + spec.arn() + ":" + qualifier);
            return;
        }
        String invokedArn = qualifier == null ? spec.arn() : spec.arn() + ":" + qualifier;
        String payload = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        String type = Optional.ofNullable(exchange.getRequestHeaders().getFirst("X-Amz-Invocation-Type")).orElse("RequestResponse");
        String requestId = UUID.randomUUID().toString();
        // A traced caller's header (the AWS SDK sends it from within a traced function): the invocation joins its trace.
        String trace = LocalTraceHeader.child(exchange.getRequestHeaders().getFirst(LocalTraceHeader.HEADER));
        switch (type) {
            case "Event" -> {
                log.accept("[LocalApi] asynchronous invocation of " + function.spec().logicalId() + " (" + invokedArn + ")");
                invokeAsync(function, payload, invokedArn, requestId, 1, System.nanoTime(), trace);
                send(exchange, 202, Map.of("x-amzn-RequestId", requestId), "");
            }
            case "DryRun" -> send(exchange, 204, Map.of("x-amzn-RequestId", requestId), "");
            default -> {
                Optional<java.util.concurrent.CompletableFuture<LocalApiFunction.Result>> invocation =
                        function.invokeWithinReserved(payload, invokedArn, requestId, trace);
                if (invocation.isEmpty()) {
                    send(exchange, 429, Map.of("Content-Type", "application/json", "x-amzn-RequestId", requestId,
                            "x-amzn-ErrorType", "TooManyRequestsException"), Json.MAPPER.createObjectNode()
                            .put("Reason", "ReservedFunctionConcurrentInvocationLimitExceeded").put("Type", "User")
                            .put("message", "Rate Exceeded.").toString());
                    return;
                }
                LocalApiFunction.Result result = invocation.get().get(function.spec().timeoutSeconds() + 30L, TimeUnit.SECONDS);
                Map<String, String> headers = new LinkedHashMap<>();
                headers.put("Content-Type", "application/json");
                headers.put("x-amzn-RequestId", requestId);
                headers.put("X-Amz-Executed-Version", executedVersion.get());
                if (result.functionError()) {
                    recordError(function.spec().logicalId(), result.payload());
                    headers.put(LocalApiFunctionHost.FUNCTION_ERROR_HEADER, "Unhandled");
                }
                send(exchange, 200, headers, result.payload());
            }
        }
    }

    /** The version an invocation runs: {@code $LATEST} unqualified, else the published version by its number or alias. */
    private static Optional<String> executedVersion(LocalApiTemplate.Function spec, String qualifier) {
        if (qualifier == null || qualifier.equals("$LATEST")) {
            return Optional.of("$LATEST");
        }
        boolean published = spec.alias().isPresent() && (qualifier.equals(PUBLISHED_VERSION) || spec.alias().get().equals(qualifier));
        return published ? Optional.of(PUBLISHED_VERSION) : Optional.empty();
    }

    /** A version's configuration, as ListVersionsByFunction lists it. */
    private static ObjectNode configuration(LocalApiTemplate.Function spec, String version) {
        return Json.MAPPER.createObjectNode().put("FunctionName", spec.functionName()).put("FunctionArn", spec.arn() + ":" + version)
                .put("Handler", spec.handler()).put("Timeout", spec.timeoutSeconds()).put("MemorySize", spec.memoryMb())
                .put("Version", version);
    }

    private static void notFound(HttpExchange exchange, String message) throws IOException {
        send(exchange, 404, Map.of("Content-Type", "application/json", "x-amzn-ErrorType", "ResourceNotFoundException"),
                Json.MAPPER.createObjectNode().put("Type", "User").put("message", message).toString());
    }

    private static Optional<String> queryParameter(HttpExchange exchange, String name) {
        String query = exchange.getRequestURI().getRawQuery();
        for (String pair : query == null ? new String[0] : query.split("&")) {
            String[] kv = pair.split("=", 2);
            if (kv.length == 2 && name.equals(URLDecoder.decode(kv[0], StandardCharsets.UTF_8))) {
                return Optional.of(URLDecoder.decode(kv[1], StandardCharsets.UTF_8));
            }
        }
        return Optional.empty();
    }

    /** A function of the template by name, logical id or ARN (with or without its qualifier); null if none. */
    private LocalApiFunction function(String target) {
        String name = target.startsWith("arn:") ? target.split(":")[6] : target.split(":")[0];
        return functions.values().stream()
                .filter(f -> f.spec().functionName().equals(name) || f.spec().logicalId().equals(name))
                .findFirst().orElse(null);
    }

    /**
     * One attempt of an asynchronous invocation, under the request id the Invoke API answered. A
     * failed attempt is retried as Lambda does (MaximumRetryAttempts, 2 unless set: one minute, then
     * two, later); after the last, Lambda's record goes to the on-failure destination: sent to a
     * queue, or an asynchronous invocation of a function. Lambda does both with the function's role.
     * An event the function's reserved concurrency has no room for stays queued and is tried again
     * every second (Lambda backs off up to minutes); past MaximumEventAgeInSeconds it is dropped unrun,
     * and its record (EventAgeExceeded) goes to the same destination.
     */
    private void invokeAsync(LocalApiFunction function, String payload, String invokedArn, String requestId, int attempt, long queuedAt,
                             String trace) {
        if (executor.isShutdown()) {
            return;
        }
        Optional<java.util.concurrent.CompletableFuture<LocalApiFunction.Result>> invocation =
                function.invokeWithinReserved(payload, invokedArn, requestId, trace);
        if (invocation.isEmpty()) {
            if (System.nanoTime() - queuedAt < TimeUnit.SECONDS.toNanos(function.spec().maximumEventAgeSeconds())) {
                retries.schedule(() -> invokeAsync(function, payload, invokedArn, requestId, attempt, queuedAt, trace), 1, TimeUnit.SECONDS);
            } else {
                log.accept("[LocalApi] " + function.spec().logicalId() + ": event older than MaximumEventAgeInSeconds, dropped unrun");
                sendFailureRecord(function, LocalFailureDestination.ageExceeded(invokedArn, requestId, attempt - 1, payload), trace);
            }
            return;
        }
        invocation.get().whenComplete((result, error) -> {
            if ((error == null && !result.functionError()) || executor.isShutdown()) {
                return;
            }
            String errorDocument = error != null ? Json.MAPPER.createObjectNode()
                    .put("errorMessage", "asynchronous invocation failed: " + error).toString() : result.payload();
            recordError(function.spec().logicalId(), errorDocument);
            if (attempt <= function.spec().maximumRetryAttempts()) {
                int delay = attempt == 1 ? 60 : 120;
                log.accept("[LocalApi] " + function.spec().logicalId() + ": retrying the asynchronous invocation in " + delay + " s");
                retries.schedule(() -> invokeAsync(function, payload, invokedArn, requestId, attempt + 1, queuedAt, trace), delay, TimeUnit.SECONDS);
                return;
            }
            sendFailureRecord(function, LocalFailureDestination.record(invokedArn, requestId, attempt, payload, errorDocument), trace);
        });
    }

    /** Lambda's record of an asynchronous invocation it gave up on, to the function's on-failure destination, if any. */
    private void sendFailureRecord(LocalApiFunction function, ObjectNode record, String trace) {
        function.spec().onFailure().ifPresent(destination -> {
            String logicalId = function.spec().logicalId();
            try {
                if ("Lambda".equals(destination.type())) {
                    LocalApiFunction target = function(destination.arn());
                    if (target == null) {
                        throw new IllegalArgumentException("no function " + destination.arn() + " in the template");
                    }
                    callLog.ifPresent(calls -> calls.record(logicalId,
                            new AwsCallRecorder.Call("lambda:InvokeFunction", destination.arn(), "Invoke", false)));
                    executor.execute(() -> invokeAsync(target, record.toString(), destination.arn(), UUID.randomUUID().toString(), 1,
                            System.nanoTime(), LocalTraceHeader.child(trace)));
                } else {
                    callLog.ifPresent(calls -> calls.record(logicalId,
                            new AwsCallRecorder.Call("sqs:SendMessage", destination.arn(), "SendMessage", false)));
                    failureDestination.send(destination.arn(), record);
                }
                log.accept("[LocalApi] " + logicalId + ": failure record sent to " + destination.arn());
            } catch (RuntimeException e) {
                log.accept("[LocalApi] could not send the failure record to " + destination.arn() + ": " + e);
            }
        });
    }

    // ------------------------------------------------------------------ helpers

    /**
     * API Gateway's throttling of one method: a token bucket that holds up to {@code burst} requests
     * and refills at {@code ratePerSecond}; a request finding it empty is throttled.
     */
    private static final class TokenBucket {
        private final double rate;
        private final double capacity;
        private double tokens;
        private long refilledAt = System.nanoTime();

        TokenBucket(LocalApiTemplate.Throttle throttle) {
            this.rate = throttle.ratePerSecond();
            this.capacity = Math.max(1, throttle.burst());
            this.tokens = capacity;
        }

        synchronized boolean tryTake() {
            long now = System.nanoTime();
            tokens = Math.min(capacity, tokens + (now - refilledAt) / 1e9 * rate);
            refilledAt = now;
            if (tokens < 1) {
                return false;
            }
            tokens -= 1;
            return true;
        }
    }

    private void recordError(String functionId, String error) {
        functionErrors.add(functionId + ": " + error);
        JsonNode document = parseJson(error);
        String summary = document != null && document.has("errorMessage")
                ? document.path("errorType").asText("") + ": " + document.path("errorMessage").asText() : error;
        log.accept("[LocalApi] " + functionId + " failed: " + summary);
    }

    private static String errorMessage(String errorDocument) {
        JsonNode error = parseJson(errorDocument);
        return error == null ? null : error.path("errorMessage").asText(null);
    }

    private static JsonNode parseJson(String text) {
        try {
            return text == null || text.isBlank() ? null : Json.MAPPER.readTree(text);
        } catch (IOException e) {
            return null;
        }
    }

    private static void send(HttpExchange exchange, int status, Map<String, String> headers, String body) throws IOException {
        send(exchange, status, headers, body.getBytes(StandardCharsets.UTF_8));
    }

    private static void send(HttpExchange exchange, int status, Map<String, String> headers, byte[] body) throws IOException {
        headers.forEach(exchange.getResponseHeaders()::set);
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            exchange.getResponseBody().write(body);
        }
    }

    @Override
    public void close() {
        if (api != null) {
            api.stop(0);
        }
        if (lambdaApi != null) {
            lambdaApi.stop(0);
        }
        executor.shutdownNow();
        retries.shutdownNow();
        functions.values().forEach(LocalApiFunction::close);
        if (failureDestination != null) {
            failureDestination.close();
        }
    }
}
