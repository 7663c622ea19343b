package com.onboardingexport.export.strapi;

import com.onboardingexport.export.format.CsvOptions;
import com.onboardingexport.export.format.CsvExportWriter;
import com.onboardingexport.export.model.ExportRequestParser;
import com.onboardingexport.export.model.ExportRequest;
import com.onboardingexport.export.model.DateRange;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.onboardingexport.export.config.ExportConfig;
import com.onboardingexport.export.config.TestConfig;
import com.onboardingexport.export.format.JsonExportWriter;
import com.onboardingexport.export.model.Principal;
import com.onboardingexport.export.service.ExportService;
import com.onboardingexport.export.spool.ExportSpool;
import com.onboardingexport.export.spool.ResponseColumns;
import com.onboardingexport.shared.Deadline;
import com.onboardingexport.shared.Json;
import com.onboardingexport.shared.StrapiClient;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Strapi 4's data[].attributes pages (recorded) are read like Strapi 5's flat ones, relations included. */
class Strapi4PageTest {
    @TempDir
    Path temp;

    @Test
    @DisplayName("answers that look like v4 relations ({data: null}, {data: []}, {data: {id, attributes}}) are exported exactly as stored; campaign and client are still unwrapped")
    void answersShapedLikeRelationsAreExportedAsStored() throws Exception {
        JsonNode recorded;
        try (InputStream page = getClass().getResourceAsStream("/strapi4/answers-like-relations.json")) {
            recorded = Json.MAPPER.readTree(page);
        }
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/api/campaign-onboarding-responses", exchange -> {
            byte[] bytes = Json.MAPPER.writeValueAsBytes(recorded);
            exchange.sendResponseHeaders(200, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        server.start();
        try {
            ExportConfig config = TestConfig.builder().strapiUrl("http://127.0.0.1:" + server.getAddress().getPort())
                    .strapiVersion(4).build();
            StrapiClient strapi = new StrapiClient(URI.create(config.strapiUrl()), () -> "token",
                    StrapiClient.defaultHttpClient(Duration.ofSeconds(1)), Duration.ofSeconds(2), 1);
            ResponsePager pager = new ResponsePager(strapi, config);
            ResponseFilter filter = new ResponseFilter(List.of(), "", new DateRange(java.time.Instant.parse("2026-01-01T00:00:00Z"), null, "since 2026"));
            ExportRequest request = new ExportRequestParser(config.maxCampaignIds(), java.time.Clock.systemUTC())
                    .parseBody("{\"date_range\":\"all_time\",\"file_format\":\"json\"}");
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (ExportSpool spool = new ExportSpool(temp, config, new ResponseColumns(List.of(), config))) {
                ResponsePager.FirstPage first = pager.firstPage(filter, Deadline.in(Duration.ofSeconds(5)));
                assertEquals(3, pager.readAll(filter, first, Deadline.in(Duration.ofSeconds(5)), spool, rows -> { }));
                new JsonExportWriter(ExportService.metadata("test", java.time.Instant.now(), Principal.schedule("test"), request)).write(spool, out);
            }
            JsonNode exported = Json.MAPPER.readTree(out.toByteArray());

            Map<String, JsonNode> storedAnswers = new java.util.HashMap<>();
            recorded.path("data").forEach(entry -> storedAnswers.put(entry.path("id").asText(), entry.path("attributes").path("answers")));
            Map<String, JsonNode> exportedAnswers = new java.util.HashMap<>();
            List<String> campaignsAndClients = new ArrayList<>();
            exported.path("campaigns").forEach(campaign -> {
                campaignsAndClients.add(campaign.path("id").asText() + " " + campaign.path("name").asText() + " / "
                        + campaign.path("client").path("id").asText() + " " + campaign.path("client").path("name").asText());
                campaign.path("responses").forEach(response -> exportedAnswers.put(response.path("id").asText(), response.path("answers")));
            });
            assertEquals(storedAnswers, exportedAnswers);
            assertEquals(List.of("3 Spring / 7 Acme", "4 Autumn / 8 Globex"), campaignsAndClients);
        } finally {
            server.stop(0);
        }
    }

    @Test
    void readsRecordedStrapi4PagesIntoTheSameCsv() throws Exception {
        List<String> queries = new ArrayList<>();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/api/campaign-onboarding-responses", exchange -> {
            String query = URLDecoder.decode(exchange.getRequestURI().getRawQuery(), StandardCharsets.UTF_8);
            queries.add(query);
            String page = query.contains("filters[id][$gt]=12") ? "page-2.json" : "page-1.json";
            try (InputStream body = getClass().getResourceAsStream("/strapi4/" + page)) {
                byte[] bytes = body.readAllBytes();
                exchange.sendResponseHeaders(200, bytes.length);
                exchange.getResponseBody().write(bytes);
            }
            exchange.close();
        });
        server.start();
        try {
            ExportConfig config = TestConfig.builder().strapiUrl("http://127.0.0.1:" + server.getAddress().getPort())
                    .strapiVersion(4).build();
            StrapiClient strapi = new StrapiClient(URI.create(config.strapiUrl()), () -> "token",
                    StrapiClient.defaultHttpClient(Duration.ofSeconds(1)), Duration.ofSeconds(2), 1);
            ResponsePager pager = new ResponsePager(strapi, config);
            ResponseFilter filter = new ResponseFilter(List.of("3", "4"), "7",
                    new DateRange(java.time.Instant.parse("2026-01-01T00:00:00Z"), null, "since 2026"));
            ByteArrayOutputStream csv = new ByteArrayOutputStream();
            try (ExportSpool spool = new ExportSpool(temp, config, new ResponseColumns(List.of(), config))) {
                ResponsePager.FirstPage first = pager.firstPage(filter, Deadline.in(Duration.ofSeconds(5)));
                assertEquals(3, pager.readAll(filter, first, Deadline.in(Duration.ofSeconds(5)), spool, rows -> { }));
                new CsvExportWriter(config, CsvOptions.DEFAULT).write(spool, csv);
            }
            assertTrue(queries.get(0).contains("filters[campaign][id][$in][0]=3"), queries.get(0));
            assertTrue(queries.get(0).contains("filters[campaign][client][id][$eq]=7"), queries.get(0));
            assertTrue(queries.get(1).contains("filters[id][$gt]=12"), "continues after the last id: " + queries.get(1));

            String[] lines = csv.toString(StandardCharsets.UTF_8).split("\r\n");
            assertEquals("response_id,submitted_at,campaign_id,campaign_name,client_id,client_name,answers,answers.company.size,"
                    + "answers.data.nested,answers.goals.0,answers.goals.1,progress,respondentEmail,respondentName", lines[0],
                    "the union of the columns in path order; neither Strapi's bookkeeping nor the id and date again");
            assertEquals("12,2026-01-06T10:00:00.000Z,4,Autumn,7,Acme,,,true,,,in_progress,boris@example.test,Борис", lines[1],
                    "campaigns sorted by name; a JSON field named data is not mistaken for a relation");
            assertEquals("11,2026-01-05T10:00:00.000Z,3,Spring,7,Acme,,10-50,,grow,\"'=HYPERLINK(\"\"x\"\")\",completed,"
                    + "ann@example.test,\"Ann O'Neil, \"\"Annie\"\"\"", lines[2]);
            assertTrue(lines[3].startsWith("15,2026-01-07T10:00:00.000Z,3,Spring,"), "Spring's rows together, in id order: " + lines[3]);
            assertEquals(4, lines.length);
        } finally {
            server.stop(0);
        }
    }
}
