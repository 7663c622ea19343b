package com.onboardingexport.it.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.onboardingexport.shared.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Headless Chromium (Debian's, {@link CorsBrowserIT#CHROMIUM}) driven over its DevTools protocol:
 * JSON commands on the page's WebSocket, with nothing but the JDK's HTTP client. A test opens a page
 * and runs scripts in it that act as a person would (click, type) and read what the page shows.
 */
final class DevTools implements AutoCloseable {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final Process chromium;
    private final Path log;
    private final WebSocket page;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonNode>> answers = new ConcurrentHashMap<>();

    private DevTools(Process chromium, Path log, WebSocket page) {
        this.chromium = chromium;
        this.log = log;
        this.page = page;
    }

    /** Starts Chromium with a fresh profile in {@code profile} and connects to its blank page. */
    static DevTools start(Path profile) throws Exception {
        if (!Files.isExecutable(Path.of(CorsBrowserIT.CHROMIUM))) {
            throw new AssertionError("Chromium is not installed (" + CorsBrowserIT.CHROMIUM + "); install it with: " + CorsBrowserIT.INSTALL);
        }
        Path log = profile.resolve("chromium.log");
        Process chromium = new ProcessBuilder(CorsBrowserIT.CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1280,2000", "--remote-debugging-port=0", "--user-data-dir=" + profile, "about:blank")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            // Chromium writes the port it chose to DevToolsActivePort in its profile.
            Path portFile = profile.resolve("DevToolsActivePort");
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!(Files.isRegularFile(portFile) && Files.readString(portFile).contains("\n"))) {
                if (!chromium.isAlive() || System.nanoTime() > deadline) {
                    throw new AssertionError("Chromium opened no DevTools port; its log:\n" + Files.readString(log));
                }
                Thread.sleep(100);
            }
            int port = Integer.parseInt(Files.readAllLines(portFile).get(0).trim());
            JsonNode targets = Json.MAPPER.readTree(HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/list"))
                    .build(), HttpResponse.BodyHandlers.ofString()).body());
            String pageSocket = null;
            for (JsonNode target : targets) {
                if ("page".equals(target.path("type").asText())) {
                    pageSocket = target.path("webSocketDebuggerUrl").asText();
                }
            }
            if (pageSocket == null) {
                throw new AssertionError("Chromium has no page: " + targets);
            }
            DevTools[] self = new DevTools[1];
            WebSocket socket = HTTP.newWebSocketBuilder().buildAsync(URI.create(pageSocket), new WebSocket.Listener() {
                private final StringBuilder message = new StringBuilder();

                @Override
                public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                    message.append(data);
                    if (last) {
                        self[0].received(message.toString());
                        message.setLength(0);
                    }
                    webSocket.request(1);
                    return null;
                }
            }).get(10, TimeUnit.SECONDS);
            self[0] = new DevTools(chromium, log, socket);
            return self[0];
        } catch (Exception | Error e) {
            chromium.destroyForcibly();
            throw e;
        }
    }

    private void received(String text) {
        try {
            JsonNode message = Json.MAPPER.readTree(text);
            CompletableFuture<JsonNode> answer = message.has("id") ? answers.remove(message.path("id").asInt()) : null;
            if (answer != null) {
                answer.complete(message);
            }
        } catch (IOException e) {
            // not JSON: not an answer to a command
        }
    }

    /** One DevTools command; its result, or an AssertionError with the protocol's error. */
    JsonNode send(String method, ObjectNode params, Duration timeout) throws Exception {
        int id = ids.incrementAndGet();
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        answers.put(id, answer);
        ObjectNode command = Json.MAPPER.createObjectNode().put("id", id).put("method", method);
        command.set("params", params);
        page.sendText(command.toString(), true).get(10, TimeUnit.SECONDS);
        JsonNode message = answer.get(timeout.toSeconds(), TimeUnit.SECONDS);
        if (message.has("error")) {
            throw new AssertionError(method + ": " + message.path("error"));
        }
        return message.path("result");
    }

    /** Loads the URL and waits until the document has loaded. */
    void open(URI url) throws Exception {
        send("Page.navigate", Json.MAPPER.createObjectNode().put("url", url.toString()), Duration.ofSeconds(30));
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        String check = "location.href === " + Json.MAPPER.writeValueAsString(url.toString()) + " && document.readyState === 'complete'";
        while (true) {
            JsonNode loaded = send("Runtime.evaluate", Json.MAPPER.createObjectNode().put("expression", check)
                    .put("returnByValue", true), Duration.ofSeconds(10)).path("result").path("value");
            if (loaded.asBoolean()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(url + " did not load in 30 s; Chromium's log:\n" + Files.readString(log));
            }
            Thread.sleep(100);
        }
    }

    /**
     * Runs a script in the page and returns the value it ends with (a promise is awaited), as JSON;
     * an exception in the page fails the test with the page's message.
     */
    JsonNode run(String script, Duration timeout) throws Exception {
        JsonNode result = send("Runtime.evaluate", Json.MAPPER.createObjectNode().put("expression", script)
                .put("awaitPromise", true).put("returnByValue", true), timeout);
        if (result.has("exceptionDetails")) {
            JsonNode details = result.path("exceptionDetails");
            throw new AssertionError("the page's script failed: " + details.path("exception").path("description").asText(details.toString()));
        }
        return result.path("result").path("value");
    }

    /** A PNG of the page as it is now (for a failure's evidence). */
    byte[] screenshot() throws Exception {
        String data = send("Page.captureScreenshot", Json.MAPPER.createObjectNode().put("format", "png"), Duration.ofSeconds(30))
                .path("data").asText();
        return java.util.Base64.getDecoder().decode(data);
    }

    @Override
    public void close() throws InterruptedException {
        page.abort();
        List<ProcessHandle> children = chromium.descendants().toList();
        children.forEach(ProcessHandle::destroyForcibly);
        chromium.destroyForcibly();
        chromium.waitFor(10, TimeUnit.SECONDS);
    }
}
