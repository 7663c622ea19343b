package com.onboardingexport.it.reliability;

import static com.onboardingexport.it.reliability.Reliability.PARTS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.onboardingexport.export.api.ExportHandler;
import com.onboardingexport.it.export.ExportFixture;
import com.onboardingexport.local.lambda.LocalLambdaContext;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * N concurrent exports (admin, two client users; CSV and JSON; every client's rows, one campaign),
 * each in its own handler as each would run in its own Lambda container, all started at once
 * against the one real local Strapi and S3. Every export succeeds, within API Gateway's time, with
 * its own file (distinct export id and key) holding exactly the rows Strapi holds for its request.
 *
 * <p>Guards: per-export state (spool folders, file names, keys) never shared between concurrent
 * exports, the concurrent pager's completeness under contention, the client filter under load.
 */
class LoadReliabilityIT {
    static final int N = Integer.getInteger("reliability.load.n", 24);

    /** One request of the load: who, what, and the response documentIds Strapi holds for it. */
    private record Job(String userId, String role, String clientId, String body, String format, Set<String> expected) {
    }

    @Test
    @DisplayName("N concurrent exports by admin and client users: all succeed with correct, separate files")
    void concurrentExportsAllSucceed() throws Exception {
        String acme = Reliability.acmeId();
        String globex = Reliability.globexId();
        String thirdCampaign = PARTS.strapi.get("/api/campaigns?filters[client][name][$startsWith]=Initech&pagination[pageSize]=1")
                .path("data").get(0).path("documentId").asText();
        Set<String> all = ids("");
        Set<String> acmeRows = ids("filters[campaign][client][documentId][$eq]=" + acme);
        Set<String> globexRows = ids("filters[campaign][client][documentId][$eq]=" + globex);
        Set<String> thirdRows = ids("filters[campaign][documentId][$eq]=" + thirdCampaign);
        assertTrue(!acmeRows.isEmpty() && !globexRows.isEmpty() && !thirdRows.isEmpty());

        List<Job> jobs = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            String format = i % 2 == 0 ? "csv" : "json";
            String allTime = "{\"date_range\":\"all_time\",\"file_format\":\"" + format + "\"}";
            // A user of its own per export: each user's limit on running exports (2) is HardeningIT's and FairShareIT's matter.
            String user = Integer.toString(100 + i);
            jobs.add(switch (i % 4) {
                case 0 -> new Job(user, "admin", "", allTime, format, all);
                case 1 -> new Job(user, "client", acme, allTime, format, acmeRows);
                case 2 -> new Job(user, "client", globex, allTime, format, globexRows);
                default -> new Job(user, "admin", "", "{\"campaign_ids\":[\"" + thirdCampaign + "\"],\"date_range\":\"all_time\","
                        + "\"file_format\":\"" + format + "\"}", format, thirdRows);
            });
        }
        List<ExportHandler> containers = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            containers.add(Reliability.handler(PARTS.strapi.url(), Map.of()));
        }

        ExecutorService pool = Executors.newFixedThreadPool(N);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<APIGatewayProxyResponseEvent>> futures = new ArrayList<>();
        long[] tookMillis = new long[N];
        try {
            for (int i = 0; i < N; i++) {
                int index = i;
                Job job = jobs.get(i);
                futures.add(pool.submit(() -> {
                    go.await();
                    long started = System.nanoTime();
                    APIGatewayProxyResponseEvent response = containers.get(index).handleApiRequest(
                            ExportFixture.request(job.userId(), job.role(), job.clientId(), job.body()), new LocalLambdaContext());
                    tookMillis[index] = (System.nanoTime() - started) / 1_000_000;
                    return response;
                }));
            }
            long started = System.nanoTime();
            go.countDown();
            Set<String> exportIds = new HashSet<>();
            Set<String> keys = new HashSet<>();
            long rows = 0;
            for (int i = 0; i < N; i++) {
                Job job = jobs.get(i);
                APIGatewayProxyResponseEvent response = futures.get(i).get(2, TimeUnit.MINUTES);
                JsonNode ok = Reliability.ok(response);
                assertTrue(exportIds.add(ok.path("export_id").asText()), "a separate export id");
                String key = Reliability.keyOf(ok.path("download_url").asText());
                assertTrue(keys.add(key), "a separate object: " + key);
                assertTrue(key.startsWith("exports/user-" + job.userId() + "/"), key);
                Reliability.FileRows file = Reliability.rowsOf(job.format(), Reliability.download(ok));
                assertEquals(job.expected().size(), ok.path("record_count").asInt(), "export " + i + " " + job);
                assertEquals(job.expected(), new HashSet<>(file.responseIds()), "export " + i + " holds exactly its rows: " + job);
                assertEquals(file.responseIds().size(), new HashSet<>(file.responseIds()).size(), "no row twice in export " + i);
                if (job.role().equals("client")) {
                    assertEquals(Set.of(job.clientId()), new HashSet<>(file.clientIds()), "only the client's own rows");
                }
                assertTrue(tookMillis[i] < 27_000, "within API Gateway's time: " + tookMillis[i] + " ms");
                rows += file.responseIds().size();
            }
            long wallMillis = (System.nanoTime() - started) / 1_000_000;
            System.out.printf("[reliability] load: %d concurrent exports, %d rows in all, %d ms wall, slowest %d ms%n",
                    N, rows, wallMillis, java.util.Arrays.stream(tookMillis).max().orElse(0));
        } finally {
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
        }
    }

    private static Set<String> ids(String filters) {
        return Reliability.FIXTURE.strapiRows(filters).stream().map(row -> row.path("documentId").asText()).collect(Collectors.toSet());
    }
}
