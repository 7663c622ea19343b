package com.onboardingexport.it.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.onboardingexport.export.api.BackgroundInvoker;
import com.onboardingexport.export.config.ExportConfig;
import com.onboardingexport.export.api.ExportHandler;
import com.onboardingexport.it.RealParts;
import com.onboardingexport.it.export.ExportFixture;
import com.onboardingexport.shared.Env;
import com.onboardingexport.shared.Json;
import com.onboardingexport.shared.StrapiClient;
import java.io.StringReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * Helpers of the reliability suite: handlers wired on the real parts with any collaborator swapped
 * (a Strapi behind a fault proxy, an S3 that is down, a presigner that fails), the seed's ids, the
 * bucket's contents, and the checks every answer of the contract must pass.
 */
final class Reliability {
    static final ExportFixture FIXTURE = new ExportFixture();
    static final RealParts PARTS = FIXTURE.parts;

    /** A background invoker for tests that expect every export to stay synchronous. */
    static final BackgroundInvoker NO_BACKGROUND = (arn, event) -> {
        throw new IllegalStateException("this test expects no background export");
    };

    private Reliability() {
    }

    /** The environment the template sets, pointing at the given Strapi and the test bucket, plus overrides. */
    static Map<String, String> env(URI strapiUrl, Map<String, String> overrides) {
        Map<String, String> env = new HashMap<>(FIXTURE.env(strapiUrl, RealParts.BUCKET));
        env.putAll(overrides);
        return env;
    }

    static ExportConfig config(URI strapiUrl, Map<String, String> overrides) {
        return ExportConfig.from(new Env(env(strapiUrl, overrides)));
    }

    /** The shared Strapi client as the function builds it: API token from the secret, 3 attempts. */
    static StrapiClient strapiClient(ExportConfig config) {
        return new StrapiClient(URI.create(config.strapiUrl()), PARTS.apiTokenSecret(),
                StrapiClient.defaultHttpClient(Duration.ofSeconds(2)), config.strapiTimeout(), 3);
    }

    static ExportHandler handler(URI strapiUrl, Map<String, String> overrides) {
        return handler(config(strapiUrl, overrides), PARTS.s3.client(), PARTS.s3.presigner(), NO_BACKGROUND);
    }

    static ExportHandler handler(ExportConfig config, S3Client s3, S3Presigner presigner, BackgroundInvoker background) {
        return new ExportHandler(config, strapiClient(config), s3, presigner, background, PARTS.moto.eventBridge(), Clock.systemUTC());
    }

    /** Lambda's asynchronous invocation of the worker, played in the caller's thread: the 202 is answered once the run is over. */
    static BackgroundInvoker inlineWorker(ExportConfig config) {
        com.onboardingexport.export.worker.ExportWorkerHandler worker = new com.onboardingexport.export.worker.ExportWorkerHandler(
                config, strapiClient(config), PARTS.s3.client(), PARTS.s3.presigner(), PARTS.moto.eventBridge(), Clock.systemUTC());
        return (arn, event) -> worker.handleBackgroundExport(event.get(com.onboardingexport.export.model.ExportJob.JOB_EVENT),
                new com.onboardingexport.local.lambda.LocalLambdaContext());
    }

    // ------------------------------------------------------------------ the seed

    static String clientId(String name) {
        return PARTS.strapi.get("/api/clients?filters[name][$eq]=" + java.net.URLEncoder.encode(name, StandardCharsets.UTF_8))
                .path("data").get(0).path("documentId").asText();
    }

    static String acmeId() {
        return clientId("Acme Corp");
    }

    static String globexId() {
        return clientId("Globex, Inc.");
    }

    /** The documentIds of a client's campaigns, by the client's documentId. */
    static List<String> campaignsOf(String clientDocumentId) {
        List<String> ids = new ArrayList<>();
        PARTS.strapi.get("/api/campaigns?filters[client][documentId][$eq]=" + clientDocumentId + "&pagination[pageSize]=100")
                .path("data").forEach(c -> ids.add(c.path("documentId").asText()));
        return ids;
    }

    /** Every response Strapi holds: its documentId to its client's documentId. */
    static Map<String, String> clientOfEveryResponse() {
        Map<String, String> clients = new HashMap<>();
        for (JsonNode row : FIXTURE.strapiRows("")) {
            clients.put(row.path("documentId").asText(), row.path("campaign").path("client").path("documentId").asText());
        }
        return clients;
    }

    // ------------------------------------------------------------------ the bucket

    /** Every key in the export bucket. */
    static Set<String> bucketKeys() {
        Set<String> keys = new TreeSet<>();
        try (S3Client s3 = PARTS.s3.client()) {
            s3.listObjectsV2Paginator(b -> b.bucket(RealParts.BUCKET)).contents().stream().map(S3Object::key).forEach(keys::add);
        }
        return keys;
    }

    /** Keys that appeared since {@code before}. */
    static Set<String> newKeys(Set<String> before) {
        Set<String> after = bucketKeys();
        after.removeAll(before);
        return after;
    }

    /** The object key a download link points to. */
    static String keyOf(String downloadUrl) {
        return URI.create(downloadUrl).getPath().replaceFirst("^/" + RealParts.BUCKET + "/", "");
    }

    // ------------------------------------------------------------------ answers

    static JsonNode ok(APIGatewayProxyResponseEvent response) throws Exception {
        return ExportFixture.ok(response);
    }

    /** An error of the contract: its status and code, a message, a request id, no stack trace. */
    static JsonNode error(APIGatewayProxyResponseEvent response, int status, String code) throws Exception {
        JsonNode error = ExportFixture.error(response, status, code);
        assertNoInternals(response.getBody());
        return error;
    }

    /** No stack trace, exception name, class or package name of ours in what a caller sees. */
    static void assertNoInternals(String body) {
        for (String tell : List.of("Exception", "\tat ", "at com.", "at java.", "com.onboardingexport", "java.lang", "Caused by")) {
            assertFalse(body.contains(tell), () -> "the answer shows internals (" + tell + "): " + abbreviate(body));
        }
    }

    static String abbreviate(String text) {
        return text == null || text.length() <= 300 ? text : text.substring(0, 300) + "…(" + text.length() + " chars)";
    }

    static List<CSVRecord> csv(byte[] bytes) throws Exception {
        try (CSVParser csv = CSVParser.parse(new StringReader(new String(bytes, StandardCharsets.UTF_8)),
                CSVFormat.RFC4180.builder().setHeader().build())) {
            return csv.getRecords();
        }
    }

    /** The response documentIds and client ids a downloaded file holds, whatever its format. */
    record FileRows(List<String> responseIds, List<String> clientIds) {
    }

    static FileRows rowsOf(String fileFormat, byte[] bytes) throws Exception {
        List<String> responses = new ArrayList<>();
        List<String> clients = new ArrayList<>();
        if ("csv".equals(fileFormat)) {
            for (CSVRecord record : csv(bytes)) {
                responses.add(record.get("response_id"));
                clients.add(record.get("client_id"));
            }
        } else {
            JsonNode file = Json.MAPPER.readTree(bytes);
            for (JsonNode campaign : file.path("campaigns")) {
                for (JsonNode response : campaign.path("responses")) {
                    responses.add(response.path("documentId").asText());
                    clients.add(campaign.path("client").path("id").asText());
                }
            }
        }
        return new FileRows(responses, clients);
    }

    /** Downloads an export through its link and checks the bytes are what the answer announced. */
    static byte[] download(JsonNode ok) throws Exception {
        var file = FIXTURE.download(ok.path("download_url").asText());
        assertEquals(200, file.statusCode(), () -> new String(file.body(), StandardCharsets.UTF_8));
        assertEquals(ok.path("size_bytes").asLong(), file.body().length);
        assertTrue(file.body().length > 0);
        return file.body();
    }
}
