package com.onboardingexport.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The floor: the fastest ways this benchmark knows to read the rows of an export from Strapi with the
 * same filters and the same populate, doing nothing but HTTP GET and a Jackson parse of every page
 * (no spool, no file, no upload). Independent of the product's pager: the queries are built here.
 * <ul>
 *   <li>page numbers: page 1 with the count, then pages 2..n with {@code withCount=false}, claimed
 *       from a shared counter by {@code p} workers;</li>
 *   <li>id ranges: keyset paging ({@code filters[id][$gt]=<last id>}, {@code sort=id:asc}); with
 *       {@code p > 1}, one request for the highest id, then (0, max] cut into {@code 4p} ranges,
 *       claimed by {@code p} workers, each read by keyset paging bounded by {@code filters[id][$lte]}.</li>
 * </ul>
 */
final class FloorReader {
    static final int PAGE_SIZE = 100;
    static final String COLLECTION = "campaign-onboarding-responses";

    /** One measured read. */
    record Result(String strategy, int parallelism, long rows, long requests, long nanos, boolean cut) {
        Result(String strategy, int parallelism, long rows, long requests, long nanos) {
            this(strategy, parallelism, rows, requests, nanos, false);
        }

        double seconds() {
            return nanos / 1e9;
        }

        double rowsPerSecond() {
            return rows / seconds();
        }
    }

    private final URI base;
    private final String token;
    private final String filters;
    private final HttpClient http;
    private final ObjectMapper mapper = new ObjectMapper();

    /**
     * @param filters the export's filters and populate as {@code key=value} pairs, unencoded
     *                (encoded here like the product does)
     */
    FloorReader(URI base, String token, List<String[]> filters) {
        this.base = base;
        this.token = token;
        StringBuilder query = new StringBuilder();
        for (String[] pair : filters) {
            append(query, pair[0], pair[1]);
        }
        this.filters = query.toString();
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    /** The export's filter pairs: an optional date range [start, end), then the populate. */
    static List<String[]> exportFilters(String startInclusive, String endExclusive) {
        List<String[]> pairs = new ArrayList<>();
        if (startInclusive != null) {
            pairs.add(new String[] {"filters[submittedAt][$gte]", startInclusive});
        }
        if (endExclusive != null) {
            pairs.add(new String[] {"filters[submittedAt][$lt]", endExclusive});
        }
        pairs.add(new String[] {"populate[campaign][fields][0]", "name"});
        pairs.add(new String[] {"populate[campaign][populate][client][fields][0]", "name"});
        return pairs;
    }

    /** The count Strapi gives for the filters. */
    long count() throws IOException, InterruptedException {
        JsonNode page = get(query().add("pagination[page]", "1").add("pagination[pageSize]", "1")
                .add("pagination[withCount]", "true"));
        return page.path("meta").path("pagination").path("total").asLong();
    }

    Result pageNumbers(int parallelism) throws Exception {
        return pageNumbers(parallelism, null);
    }

    /**
     * With a {@code limit}, the read gives up once it has taken that long (no new request is started);
     * the result then says {@code cut} and holds the rows read so far. A sweep uses it to stop a
     * reading that can no longer be the best.
     */
    Result pageNumbers(int parallelism, Duration limit) throws Exception {
        long started = System.nanoTime();
        long giveUpAt = giveUpAt(started, limit);
        AtomicLong requests = new AtomicLong(1);
        JsonNode first = get(query().add("sort[0]", "id:asc").add("pagination[page]", "1")
                .add("pagination[pageSize]", Integer.toString(PAGE_SIZE)).add("pagination[withCount]", "true"));
        long rows0 = first.path("data").size();
        int pageCount = first.path("meta").path("pagination").path("pageCount").asInt();
        AtomicInteger nextPage = new AtomicInteger(2);
        AtomicLong rows = new AtomicLong(rows0);
        runWorkers(parallelism, () -> {
            for (int page = nextPage.getAndIncrement(); page <= pageCount && System.nanoTime() < giveUpAt;
                 page = nextPage.getAndIncrement()) {
                JsonNode answer = get(query().add("sort[0]", "id:asc").add("pagination[page]", Integer.toString(page))
                        .add("pagination[pageSize]", Integer.toString(PAGE_SIZE)).add("pagination[withCount]", "false"));
                requests.incrementAndGet();
                rows.addAndGet(answer.path("data").size());
            }
            return null;
        });
        return result("page numbers", parallelism, rows.get(), requests.get(), started, giveUpAt);
    }

    Result idRanges(int parallelism) throws Exception {
        return idRanges(parallelism, null);
    }

    /** As {@link #pageNumbers(int, Duration)}: with a {@code limit}, gives up once it has taken that long. */
    Result idRanges(int parallelism, Duration limit) throws Exception {
        long started = System.nanoTime();
        long giveUpAt = giveUpAt(started, limit);
        AtomicLong requests = new AtomicLong();
        AtomicLong rows = new AtomicLong();
        if (parallelism == 1) {
            rows.set(keyset(0, Long.MAX_VALUE, requests, giveUpAt));
            return result("id ranges", 1, rows.get(), requests.get(), started, giveUpAt);
        }
        JsonNode last = get(query().add("sort[0]", "id:desc").add("pagination[page]", "1")
                .add("pagination[pageSize]", "1").add("pagination[withCount]", "false"));
        requests.incrementAndGet();
        long maxId = last.path("data").path(0).path("id").asLong(0);
        int ranges = parallelism * 4;
        long width = (maxId + ranges - 1) / ranges;
        ConcurrentLinkedQueue<long[]> queue = new ConcurrentLinkedQueue<>();
        for (int i = 0; i < ranges; i++) {
            long from = i * width;
            queue.add(new long[] {from, i == ranges - 1 ? maxId : Math.min(maxId, from + width)});
        }
        runWorkers(parallelism, () -> {
            for (long[] range = queue.poll(); range != null && System.nanoTime() < giveUpAt; range = queue.poll()) {
                rows.addAndGet(keyset(range[0], range[1], requests, giveUpAt));
            }
            return null;
        });
        return result("id ranges", parallelism, rows.get(), requests.get(), started, giveUpAt);
    }

    private static long giveUpAt(long started, Duration limit) {
        return limit == null ? Long.MAX_VALUE : started + limit.toNanos();
    }

    private static Result result(String strategy, int parallelism, long rows, long requests, long started, long giveUpAt) {
        long ended = System.nanoTime();
        return new Result(strategy, parallelism, rows, requests, ended - started, ended >= giveUpAt);
    }

    /** Keyset paging over ids in (afterId, upToId], until done or {@code giveUpAt} (System.nanoTime()). */
    private long keyset(long afterId, long upToId, AtomicLong requests, long giveUpAt) throws IOException, InterruptedException {
        long rows = 0;
        long lastId = afterId;
        while (System.nanoTime() < giveUpAt) {
            Query query = query().add("filters[id][$gt]", Long.toString(lastId));
            if (upToId != Long.MAX_VALUE) {
                query.add("filters[id][$lte]", Long.toString(upToId));
            }
            JsonNode page = get(query.add("sort[0]", "id:asc").add("pagination[page]", "1")
                    .add("pagination[pageSize]", Integer.toString(PAGE_SIZE)).add("pagination[withCount]", "false"));
            requests.incrementAndGet();
            JsonNode data = page.path("data");
            rows += data.size();
            if (data.size() < PAGE_SIZE) {
                return rows;
            }
            lastId = data.get(data.size() - 1).path("id").asLong();
        }
        return rows;
    }

    private interface Work {
        Void run() throws Exception;
    }

    private static void runWorkers(int parallelism, Work work) throws Exception {
        if (parallelism == 1) {
            work.run();
            return;
        }
        ExecutorService pool = Executors.newFixedThreadPool(parallelism);
        try {
            List<Future<Void>> futures = new ArrayList<>();
            for (int i = 0; i < parallelism; i++) {
                futures.add(pool.submit(work::run));
            }
            for (Future<Void> future : futures) {
                future.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private Query query() {
        return new Query(new StringBuilder(filters));
    }

    private JsonNode get(Query query) throws IOException, InterruptedException {
        URI uri = URI.create(base + "/api/" + COLLECTION + "?" + query.text);
        HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(uri)
                .header("Authorization", "Bearer " + token)
                .header("Accept", "application/json")
                .timeout(Duration.ofSeconds(60))
                .GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        if (response.statusCode() != 200) {
            throw new IOException("Strapi answered " + response.statusCode() + " for " + uri + ": "
                    + new String(response.body(), StandardCharsets.UTF_8));
        }
        return mapper.readTree(response.body());
    }

    private static void append(StringBuilder query, String key, String value) {
        if (!query.isEmpty()) {
            query.append('&');
        }
        query.append(URLEncoder.encode(key, StandardCharsets.UTF_8)).append('=')
                .append(URLEncoder.encode(value, StandardCharsets.UTF_8));
    }

    private record Query(StringBuilder text) {
        Query add(String key, String value) {
            append(text, key, value);
            return this;
        }
    }
}
