package com.onboardingexport.local.services;

import com.fasterxml.jackson.databind.JsonNode;
import com.onboardingexport.local.template.ProjectRoot;
import com.onboardingexport.shared.Json;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * The real dev Strapi of ../strapi, started with npm's Strapi on a port of its own and a fresh
 * SQLite database, seeded by its bootstrap. Dependencies are installed with {@code npm ci} only
 * when package-lock.json changed since the last install ({@link NpmPackages}). Secrets are random per start.
 */
public final class LocalStrapi implements AutoCloseable {
    public static final String DEV_PASSWORD = "Passw0rd!";

    private final Process process;
    private final URI url;
    private final String apiToken;
    private final String jwtSecret;
    /** Tests only: a token that may create responses and nothing else (the export never has it). */
    private final String writerToken;
    private final Path workDir;
    private final Path logFile;
    private final HttpClient http = HttpClient.newHttpClient();

    private LocalStrapi(Process process, URI url, String apiToken, String jwtSecret, String writerToken, Path workDir, Path logFile) {
        this.process = process;
        this.url = url;
        this.apiToken = apiToken;
        this.jwtSecret = jwtSecret;
        this.writerToken = writerToken;
        this.workDir = workDir;
        this.logFile = logFile;
    }

    /**
     * What to start: port 0 picks a free one; extra environment such as SEED_RESPONSES; the address it
     * listens on (loopback, or 0.0.0.0 for every interface: containers, and the LAN, reach it then).
     */
    public record Options(int port, Map<String, String> extraEnv, String bindAddress) {
        public Options(int port, Map<String, String> extraEnv) {
            this(port, extraEnv, "127.0.0.1");
        }

        public static Options defaults() {
            return new Options(0, Map.of());
        }
    }

    public static LocalStrapi start(Options options) throws IOException, InterruptedException {
        Path strapiDir = ProjectRoot.find().resolve("strapi");
        NpmPackages.ensureInstalled(strapiDir, "about 2 minutes");
        int port = options.port() == 0 ? freePort() : options.port();
        Path workDir = Files.createTempDirectory("onboarding-strapi-");
        Path logFile = workDir.resolve("strapi.log");
        String apiToken = randomHex(48);
        String jwtSecret = randomHex(32);
        String writerToken = randomHex(48);

        ProcessBuilder builder = new ProcessBuilder(List.of(
                strapiDir.resolve("node_modules/.bin/strapi").toString(), "start"))
                .directory(strapiDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(logFile.toFile());
        Map<String, String> env = builder.environment();
        env.put("HOST", options.bindAddress());
        env.put("PORT", Integer.toString(port));
        env.put("NODE_ENV", "production");
        env.put("DATABASE_FILENAME", workDir.resolve("data.db").toString());
        env.put("JWT_SECRET", jwtSecret);
        // Not the config's dev-only defaults: Strapi may listen beyond loopback (--services-only).
        env.put("APP_KEYS", randomHex(16) + "," + randomHex(16));
        env.put("STRAPI_API_TOKEN", apiToken);
        env.put("STRAPI_WRITER_TOKEN", writerToken);
        env.put("STRAPI_TELEMETRY_DISABLED", "true");
        env.put("BROWSER", "none");
        env.put("STRAPI_DISABLE_UPDATE_NOTIFICATION", "true");
        env.putAll(options.extraEnv());
        Process process = builder.start();
        LocalStrapi strapi = new LocalStrapi(process, URI.create("http://127.0.0.1:" + port), apiToken, jwtSecret, writerToken,
                workDir, logFile);
        try {
            strapi.awaitHealthy(Duration.ofSeconds(180));
        } catch (RuntimeException | InterruptedException e) {
            strapi.close();
            throw e;
        }
        return strapi;
    }

    public URI url() {
        return url;
    }

    public String apiToken() {
        return apiToken;
    }

    public String jwtSecret() {
        return jwtSecret;
    }

    /** Logs in through Strapi's own {@code POST /api/auth/local} and returns the JWT it issues. */
    public String login(String email, String password) {
        String body = Json.MAPPER.createObjectNode().put("identifier", email).put("password", password).toString();
        JsonNode answer = send(HttpRequest.newBuilder(url.resolve("/api/auth/local"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), 200);
        return answer.path("jwt").asText();
    }

    /**
     * Creates a response through Strapi's REST API (with the tests' writer token), as the platform
     * would when someone answers; returns Strapi's entry.
     */
    public JsonNode createResponse(String campaignDocumentId, String respondentName, java.time.Instant submittedAt) {
        return createResponse(campaignDocumentId, respondentName, submittedAt, Json.MAPPER.createObjectNode().put("source", "test"));
    }

    /** {@link #createResponse(String, String, java.time.Instant)} with these answers. */
    public JsonNode createResponse(String campaignDocumentId, String respondentName, java.time.Instant submittedAt, JsonNode answers) {
        var data = Json.MAPPER.createObjectNode();
        data.put("respondentName", respondentName)
                .put("progress", "completed")
                .put("submittedAt", submittedAt.toString())
                .put("campaign", campaignDocumentId)
                .set("answers", answers);
        String body = Json.MAPPER.createObjectNode().set("data", data).toString();
        return send(HttpRequest.newBuilder(url.resolve("/api/campaign-onboarding-responses"))
                .header("Authorization", "Bearer " + writerToken)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), 200, 201).path("data");
    }

    /**
     * Creates a response whose answers are this JSON text, sent as it is (it may be nested deeper, or
     * hold longer keys, than a JSON library writes or reads by default); returns its documentId.
     */
    public String createResponseRaw(String campaignDocumentId, String respondentName, java.time.Instant submittedAt, String answersJson) {
        String body = "{\"data\":{\"respondentName\":" + Json.MAPPER.valueToTree(respondentName) + ",\"progress\":\"completed\""
                + ",\"submittedAt\":\"" + submittedAt + "\",\"campaign\":" + Json.MAPPER.valueToTree(campaignDocumentId)
                + ",\"answers\":" + answersJson + "}}";
        try {
            HttpResponse<java.io.InputStream> response = http.send(HttpRequest.newBuilder(url.resolve("/api/campaign-onboarding-responses"))
                    .header("Authorization", "Bearer " + writerToken).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofInputStream());
            try (var parser = new com.fasterxml.jackson.core.JsonFactoryBuilder()
                    .streamReadConstraints(com.fasterxml.jackson.core.StreamReadConstraints.builder()
                            .maxNestingDepth(Integer.MAX_VALUE).maxNameLength(Integer.MAX_VALUE).maxStringLength(Integer.MAX_VALUE).build())
                    .build().createParser(response.body())) {
                if (response.statusCode() != 200 && response.statusCode() != 201) {
                    throw new IllegalStateException("POST of a response answered " + response.statusCode());
                }
                // {"data": {"id": ..., "documentId": "..."...}}: the documentId comes before the answers.
                for (var token = parser.nextToken(); token != null; token = parser.nextToken()) {
                    if (token == com.fasterxml.jackson.core.JsonToken.FIELD_NAME && "documentId".equals(parser.currentName())
                            && parser.getParsingContext().getParent().getParent() != null
                            && parser.getParsingContext().getParent().getParent().inRoot()) {
                        parser.nextToken();
                        return parser.getText();
                    }
                }
                throw new IllegalStateException("Strapi's answer to a POST names no documentId");
            }
        } catch (IOException e) {
            throw new IllegalStateException("Strapi request failed: POST a response", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Deletes a response a test created (by its documentId), with the tests' writer token. */
    public void deleteResponse(String documentId) {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(url.resolve("/api/campaign-onboarding-responses/"
                            + java.net.URLEncoder.encode(documentId, java.nio.charset.StandardCharsets.UTF_8)))
                    .header("Authorization", "Bearer " + writerToken).DELETE().build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200 && response.statusCode() != 204) {
                throw new IllegalStateException("DELETE of response " + documentId + " answered " + response.statusCode() + ": " + response.body());
            }
        } catch (IOException e) {
            throw new IllegalStateException("Strapi request failed: DELETE " + documentId, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** GET {@code /api/...} with the API token: what Strapi holds, for tests to compare against. */
    public JsonNode get(String pathAndQuery) {
        return send(HttpRequest.newBuilder(URI.create(url + pathAndQuery))
                .header("Authorization", "Bearer " + apiToken).GET().build(), 200);
    }

    private JsonNode send(HttpRequest request, int... expectedStatuses) {
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (java.util.Arrays.stream(expectedStatuses).noneMatch(expected -> expected == response.statusCode())) {
                throw new IllegalStateException(request.method() + " " + request.uri().getPath() + " answered "
                        + response.statusCode() + ": " + response.body());
            }
            return Json.MAPPER.readTree(response.body());
        } catch (IOException e) {
            throw new IllegalStateException("Strapi request failed: " + request.uri(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void awaitHealthy(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        HttpRequest health = HttpRequest.newBuilder(url.resolve("/_health")).timeout(Duration.ofSeconds(2)).GET().build();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Strapi exited with " + process.exitValue() + ":\n" + logTail());
            }
            try {
                if (http.send(health, HttpResponse.BodyHandlers.discarding()).statusCode() == 204) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("Strapi did not become healthy in " + timeout + ":\n" + logTail());
    }

    public String logTail() {
        try {
            List<String> lines = Files.readAllLines(logFile, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        try {
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (var files = Files.walk(workDir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException ignored) {
            // a temp folder left behind is harmless
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static String randomHex(int bytes) {
        byte[] random = new byte[bytes];
        new SecureRandom().nextBytes(random);
        return HexFormat.of().formatHex(random);
    }
}
