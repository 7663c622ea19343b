package com.onboardingexport.export.lifecycle;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.onboardingexport.export.config.ExportConfig;
import com.onboardingexport.export.format.CsvExportWriter;
import com.onboardingexport.export.format.JsonExportWriter;
import com.onboardingexport.export.format.XlsxExportWriter;
import com.onboardingexport.export.model.ExportRequest;
import com.onboardingexport.export.model.ExportRequestParser;
import com.onboardingexport.export.model.Principal;
import com.onboardingexport.export.service.ExportService;
import com.onboardingexport.export.spool.ExportSpool;
import com.onboardingexport.export.spool.ResponseColumns;
import com.onboardingexport.export.spool.RowSink;
import com.onboardingexport.export.strapi.ResponsePage;
import com.onboardingexport.shared.Json;
import com.onboardingexport.shared.JsonLog;
import com.onboardingexport.shared.LambdaMetrics;
import com.onboardingexport.shared.Traces;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.crac.Context;
import org.crac.Resource;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * SnapStart priming: before the snapshot, runs the export's own code on made-up data (parse a
 * request, spool a Strapi-shaped row, write it as CSV, XLSX and JSON, read and write the API event
 * types, sign a URL), so those classes are loaded and initialised in the snapshot and not on the
 * first request. No network: nothing calls Strapi, Secrets Manager or S3 (signing is local).
 * It never throws: a failed priming only costs speed.
 */
public final class ExportPriming implements Resource {
    private static final String SAMPLE_ROW = """
            {"id": 1, "documentId": "priming", "respondentName": "=Priming, \\"sample\\"", "progress": "completed",
             "submittedAt": "2026-01-01T00:00:00.000Z", "answers": {"company": {"size": "1-10"}, "goals": ["a", "b"]},
             "campaign": {"id": 1, "documentId": "campaign", "name": "Priming", "client": {"id": 1, "documentId": "client", "name": "Client"}}}""";

    private final ExportConfig config;
    private final S3Presigner presigner;

    public ExportPriming(ExportConfig config, S3Presigner presigner) {
        this.config = config;
        this.presigner = presigner;
    }

    @Override
    public void beforeCheckpoint(Context<? extends Resource> context) {
        try {
            prime();
        } catch (Exception | LinkageError e) {
            JsonLog.warn("export priming failed (only slower first requests)", "error", e.toString());
        }
    }

    @Override
    public void afterRestore(Context<? extends Resource> context) {
        // Nothing to refresh: the secret is read on first use, after the restore.
    }

    /** The export path on made-up data; returns the CSV it wrote (for the test). */
    String prime() throws Exception {
        LambdaMetrics.prime(); // Powertools Metrics, the EMF library and the SLF4J provider
        Traces.prime(); // the X-Ray SDK's entities and serialisation; sends nothing, leaves no span open
        Clock clock = Clock.systemUTC();
        ExportRequest request = new ExportRequestParser(config.maxCampaignIds(), clock)
                .parseBody("{\"campaign_ids\":[\"campaign\"],\"date_range\":\"2026-01-01/2026-01-31\",\"file_format\":\"csv\"}");
        ByteArrayOutputStream csv = new ByteArrayOutputStream();
        try (ExportSpool spool = new ExportSpool(Path.of(System.getProperty("java.io.tmpdir")), config,
                new ResponseColumns(request.fields(), config))) {
            try (RowSink segment = spool.open(0)) {
                // Read as Strapi's pages are, entry by entry.
                ResponsePage page = ResponsePage.read(new java.io.ByteArrayInputStream(("{\"data\":[" + SAMPLE_ROW + "],\"meta\":{}}")
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8)), "priming");
                segment.accept(page.entries().get(0).fields());
            }
            new CsvExportWriter(config, request.csv()).write(spool, csv);
            new XlsxExportWriter(config).write(spool, new ByteArrayOutputStream());
            new JsonExportWriter(ExportService.metadata("priming", Instant.now(), Principal.schedule("priming"), request))
                    .write(spool, new ByteArrayOutputStream());
        }
        APIGatewayProxyRequestEvent event = Json.MAPPER.readValue(
                "{\"httpMethod\":\"POST\",\"body\":\"{}\",\"requestContext\":{\"requestId\":\"priming\",\"authorizer\":{\"userId\":\"1\"}}}",
                APIGatewayProxyRequestEvent.class);
        Json.MAPPER.writeValueAsString(new APIGatewayProxyResponseEvent().withStatusCode(200).withBody(event.getBody())
                .withHeaders(Map.of("Content-Type", "application/json")));
        presigner.presignGetObject(b -> b.signatureDuration(Duration.ofMinutes(1))
                .getObjectRequest(get -> get.bucket(config.bucket()).key("priming/priming.csv")));
        return csv.toString(java.nio.charset.StandardCharsets.UTF_8);
    }
}
