package com.onboardingexport.local.gateway;

import com.onboardingexport.local.lambda.AwsCallLog;
import com.onboardingexport.local.lambda.LocalFunctions;
import com.onboardingexport.local.lambda.LocalTraceHeader;
import com.onboardingexport.local.template.LocalApiTemplate;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * A local stand-in for API Gateway (REST) in front of the template's functions, like
 * {@code sam local start-api} but without Docker. Everything it serves comes from template.yaml:
 * the routes (each function's {@code Api} events), the TOKEN authorizer (the API's
 * DefaultAuthorizer: identity header, validation expression, result cache TTL), the gateway
 * responses, the stage's throttling, the AWS WAF rate rules, and each function's Handler, Timeout,
 * MemorySize and environment. Each function runs in JVMs of its own ({@link LocalFunctions}) with
 * exactly its environment, so the functions' different settings apply as in Lambda.
 *
 * <p>Per request, as API Gateway does ({@link #respond}): WAF, route match (else
 * MISSING_AUTHENTICATION_TOKEN), the stage's throttle, the authorizer ({@link TokenAuthorizer}),
 * then the function with a REST proxy event ({@link ProxyEvent}, {@link ProxyIntegration}). The
 * functions also get Lambda's Invoke API ({@link #lambdaEndpoint()}).
 */
public final class LocalApi implements AutoCloseable {
    /** The API's id in method ARNs and request contexts. */
    public static final String API_ID = "localapi01";
    /** The X-Ray daemon address (host:port, UDP) given to the functions; else the environment's {@code AWS_XRAY_DAEMON_ADDRESS}. */
    public static final String XRAY_DAEMON_PROPERTY = LocalFunctions.XRAY_DAEMON_PROPERTY;

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

    private interface ExchangeHandler {
        void handle(HttpExchange exchange) throws Exception;
    }

    private final String stage;
    private final RouteTable routes;
    private final LocalWaf waf;
    private final StageThrottle throttle;
    private final GatewayResponses responses;
    private final Consumer<String> log;
    private final ExecutorService executor = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "local-api");
        thread.setDaemon(true);
        return thread;
    });
    private LocalFunctions functions;
    private TokenAuthorizer authorizer;
    private ProxyIntegration integration;
    private HttpServer api;

    private LocalApi(LocalApiTemplate template, Consumer<String> log) {
        this.stage = template.stageName();
        this.routes = new RouteTable(template.routes(), stage);
        this.waf = new LocalWaf(template.wafRateRules());
        this.throttle = new StageThrottle(template);
        this.responses = new GatewayResponses(template);
        this.log = log;
    }

    public static LocalApi start(Config config) throws IOException, InterruptedException {
        LocalApiTemplate template = LocalApiTemplate.read(config.template(), config.parameters(), config.resourceNames());
        LocalApi local = new LocalApi(template, config.log());
        try {
            local.startServers(template, config);
        } catch (IOException | InterruptedException | RuntimeException e) {
            local.close();
            throw e;
        }
        return local;
    }

    private void startServers(LocalApiTemplate template, Config config) throws IOException, InterruptedException {
        if (routes.routes().isEmpty()) {
            throw new IllegalArgumentException("No Api events in " + config.template());
        }
        Optional<AwsCallLog> callLog = AwsCallLog.start(config.template(), config.parameters(), config.resourceNames());
        api = HttpServer.create(new InetSocketAddress("127.0.0.1", config.port()), 0);
        // A function the template gives the API's URL (API_URL) gets this local API's.
        String apiUrl = "http://127.0.0.1:" + api.getAddress().getPort();
        functions = LocalFunctions.start(template, config.localEnvironment(), apiUrl, callLog, log);
        authorizer = new TokenAuthorizer(template, routes.routes(), functions);
        integration = new ProxyIntegration(functions, responses);

        Path openApi = config.template().resolveSibling("openapi.yaml");
        api.createContext("/", exchange -> handleSafely(exchange, this::handleApiRequest));
        LocalOpenApi.serve(api, openApi, exchange -> handleSafely(exchange, this::handleApiRequest));
        LocalApiExplorer.serve(api, openApi, exchange -> handleSafely(exchange, this::handleApiRequest), log);
        api.setExecutor(executor);
        logRoutesAndRules();
        functions.warm();
        api.start();
    }

    private void logRoutesAndRules() {
        for (LocalApiTemplate.Route route : routes.routes()) {
            LocalApiTemplate.Function spec = functions.function(route.functionId()).spec();
            log.accept("[LocalApi] " + route.method() + " " + route.path() + " -> " + spec.logicalId()
                    + " (" + spec.handler() + ")" + route.authorizer()
                    .map(name -> ", authorizer " + name + " -> " + authorizer.functionId(name)).orElse(""));
        }
        for (LocalApiTemplate.RateRule rule : waf.rules()) {
            log.accept("[LocalApi] AWS WAF rule " + rule.name() + ": at most " + rule.limit() + " requests per "
                    + (rule.header() == null ? "source IP" : rule.header() + " header") + " in " + rule.windowSeconds() + " s");
        }
    }

    public URI url() {
        return URI.create("http://127.0.0.1:" + api.getAddress().getPort());
    }

    /** The Lambda API endpoint (Invoke, GetAlias, ListVersionsByFunction) the functions get as AWS_ENDPOINT_URL_LAMBDA. */
    public URI lambdaEndpoint() {
        return functions.invokeEndpoint();
    }

    public String stage() {
        return stage;
    }

    /** Handler load errors of the functions (empty when every handler loaded). */
    public Map<String, String> initErrors() {
        return functions.initErrors();
    }

    /** How many times a function (by logical id) has been invoked. */
    public int invocations(String functionId) {
        return functions.invocations(functionId);
    }

    /** Every function error so far, as "LogicalId: error document". */
    public List<String> functionErrors() {
        return functions.functionErrors();
    }

    private void handleSafely(HttpExchange exchange, ExchangeHandler handler) {
        try (exchange) {
            handler.handle(exchange);
        } catch (Exception e) {
            log.accept("[LocalApi] internal error on " + exchange.getRequestMethod() + " " + exchange.getRequestURI() + ": " + e);
            try {
                responses.unexpectedError(exchange);
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

    /** API Gateway's steps, in its order: WAF, route, throttle, authorizer, proxy event, integration. Returns the status sent. */
    private int respond(HttpExchange exchange, String requestId, String method, String requestPath) throws Exception {
        // The stage traces every request (TracingEnabled): the authorizer and the function run in its trace.
        String trace = LocalTraceHeader.start();
        // AWS WAF sits in front of the stage: it counts and blocks before API Gateway does anything.
        if (waf.blocking(exchange.getRemoteAddress().getAddress().getHostAddress(), exchange.getRequestHeaders()::getFirst).isPresent()) {
            return responses.send(exchange, "WAF_FILTERED", requestId, "Forbidden");
        }
        Optional<RouteTable.Match> match = routes.match(method, requestPath);
        if (match.isEmpty()) {
            return responses.send(exchange, "MISSING_AUTHENTICATION_TOKEN", requestId, "Missing Authentication Token");
        }
        LocalApiTemplate.Route route = match.get().route();
        if (!throttle.admits(method, route)) {
            return responses.send(exchange, "THROTTLED", requestId, "Too Many Requests");
        }
        String methodArn = "arn:aws:execute-api:" + LocalApiTemplate.REGION + ":" + LocalApiTemplate.ACCOUNT + ":"
                + API_ID + "/" + stage + "/" + method + match.get().rawPath();
        return switch (authorizer.authorize(route, exchange.getRequestHeaders()::getFirst, methodArn, trace)) {
            case TokenAuthorizer.Refused refused -> responses.send(exchange, refused.responseType(), requestId, refused.message());
            case TokenAuthorizer.Allowed allowed -> integration.answer(exchange, requestId, route,
                    ProxyEvent.of(exchange, requestId, method, match.get(), stage, allowed.context()), trace);
        };
    }

    @Override
    public void close() {
        if (api != null) {
            api.stop(0);
        }
        executor.shutdownNow();
        if (functions != null) {
            functions.close();
        }
    }
}
