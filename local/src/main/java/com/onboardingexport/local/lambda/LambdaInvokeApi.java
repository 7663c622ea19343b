package com.onboardingexport.local.lambda;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.onboardingexport.local.template.LocalApiTemplate;
import com.onboardingexport.shared.Json;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Lambda's API for the template's functions (their AWS_ENDPOINT_URL_LAMBDA): Invoke (synchronous,
 * {@code Event} and {@code DryRun}), GetAlias and ListVersionsByFunction, which say which version an
 * alias runs ({@link #PUBLISHED_VERSION}). As in Lambda, the handler's context has the request id
 * the Invoke API answered, and a traced caller's invocation joins its trace.
 */
final class LambdaInvokeApi implements AutoCloseable {
    /**
     * The local run publishes each function that has an alias (AutoPublishAlias) once, at start, as
     * this version, and points the alias at it: what a first deploy leaves.
     */
    static final String PUBLISHED_VERSION = "1";
    private static final Pattern FUNCTION_PATH = Pattern.compile("/2015-03-31/functions/([^/]+)/(invocations|versions|aliases/([^/]+))");
    private static final String INTERNAL_SERVER_ERROR = "{\"message\": \"Internal server error\"}";

    private final LocalFunctions functions;
    private final Consumer<String> log;
    private final HttpServer server;

    private LambdaInvokeApi(LocalFunctions functions, Consumer<String> log, HttpServer server) {
        this.functions = functions;
        this.log = log;
        this.server = server;
    }

    static LambdaInvokeApi start(LocalFunctions functions, Executor executor, Consumer<String> log) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        LambdaInvokeApi api = new LambdaInvokeApi(functions, log, server);
        server.createContext("/", api::handleSafely);
        server.setExecutor(executor);
        server.start();
        return api;
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    private void handleSafely(HttpExchange exchange) {
        try (exchange) {
            handle(exchange);
        } catch (Exception e) {
            log.accept("[LocalApi] internal error on " + exchange.getRequestMethod() + " " + exchange.getRequestURI() + ": " + e);
            try {
                send(exchange, 500, Map.of("Content-Type", "application/json"), INTERNAL_SERVER_ERROR);
            } catch (IOException | RuntimeException ignored) {
                // the answer may have been sent already
            }
        }
    }

    private void handle(HttpExchange exchange) throws Exception {
        Matcher matcher = FUNCTION_PATH.matcher(exchange.getRequestURI().getRawPath());
        String operation = matcher.matches() ? matcher.group(2) : "";
        boolean get = "GET".equals(exchange.getRequestMethod());
        boolean invoke = "invocations".equals(operation) && "POST".equals(exchange.getRequestMethod());
        if (!invoke && !(get && (operation.equals("versions") || operation.startsWith("aliases/")))) {
            send(exchange, 404, Map.of("Content-Type", "application/json", "x-amzn-ErrorType", "UnknownOperationException"),
                    "{\"message\":\"Only Invoke, GetAlias and ListVersionsByFunction are served here\"}");
            return;
        }
        String target = URLDecoder.decode(matcher.group(1), StandardCharsets.UTF_8);
        LocalApiFunction function = functions.find(target);
        if (function == null) {
            notFound(exchange, "Function not found: " + target);
        } else if (operation.equals("versions")) {
            listVersions(exchange, function.spec());
        } else if (operation.startsWith("aliases/")) {
            getAlias(exchange, function.spec(), URLDecoder.decode(matcher.group(3), StandardCharsets.UTF_8));
        } else {
            invoke(exchange, function, qualifier(exchange, target));
        }
    }

    /** The qualifier of an invocation: the Qualifier parameter, else the target's own (name:qualifier, or an ARN's eighth part). */
    private static String qualifier(HttpExchange exchange, String target) {
        String[] parts = target.split(":");
        String qualifier = target.startsWith("arn:") ? (parts.length > 7 ? parts[7] : null) : (parts.length > 1 ? parts[1] : null);
        return queryParameter(exchange, "Qualifier").orElse(qualifier);
    }

    private static void listVersions(HttpExchange exchange, LocalApiTemplate.Function spec) throws IOException {
        ObjectNode answer = Json.MAPPER.createObjectNode();
        answer.withArray("Versions").add(configuration(spec, "$LATEST"));
        spec.alias().ifPresent(alias -> answer.withArray("Versions").add(configuration(spec, PUBLISHED_VERSION)));
        send(exchange, 200, Map.of("Content-Type", "application/json"), answer.toString());
    }

    private static void getAlias(HttpExchange exchange, LocalApiTemplate.Function spec, String alias) throws IOException {
        if (!spec.alias().equals(Optional.of(alias))) {
            notFound(exchange, "Cannot find alias arn: " + spec.arn() + ":" + alias);
            return;
        }
        send(exchange, 200, Map.of("Content-Type", "application/json"), Json.MAPPER.createObjectNode()
                .put("AliasArn", spec.arn() + ":" + alias).put("Name", alias)
                .put("FunctionVersion", PUBLISHED_VERSION).put("Description", "").toString());
    }

    private void invoke(HttpExchange exchange, LocalApiFunction function, String qualifier) throws Exception {
        LocalApiTemplate.Function spec = function.spec();
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
                log.accept("[LocalApi] asynchronous invocation of " + spec.logicalId() + " (" + invokedArn + ")");
                functions.invokeAsync(function, payload, invokedArn, requestId, trace);
                send(exchange, 202, Map.of("x-amzn-RequestId", requestId), "");
            }
            case "DryRun" -> send(exchange, 204, Map.of("x-amzn-RequestId", requestId), "");
            default -> invokeAndWait(exchange, function, payload, invokedArn, requestId, trace, executedVersion.get());
        }
    }

    /** A synchronous invocation ({@code RequestResponse}): the function's answer, or 429 when its reserved concurrency is reached. */
    private void invokeAndWait(HttpExchange exchange, LocalApiFunction function, String payload, String invokedArn, String requestId,
                               String trace, String executedVersion) throws Exception {
        Optional<CompletableFuture<LocalApiFunction.Result>> invocation = function.invokeWithinReserved(payload, invokedArn, requestId, trace);
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
        headers.put("X-Amz-Executed-Version", executedVersion);
        if (result.functionError()) {
            functions.recordError(function.spec().logicalId(), result.payload());
            headers.put(LocalApiFunctionHost.FUNCTION_ERROR_HEADER, "Unhandled");
        }
        send(exchange, 200, headers, result.payload());
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

    private static void send(HttpExchange exchange, int status, Map<String, String> headers, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        headers.forEach(exchange.getResponseHeaders()::set);
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            exchange.getResponseBody().write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
