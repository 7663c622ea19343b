package com.onboardingexport.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.onboardingexport.shared.ApiException;
import com.onboardingexport.shared.Deadline;
import com.onboardingexport.shared.ErrorCode;
import com.onboardingexport.shared.JsonLog;
import com.onboardingexport.shared.StrapiClient;
import com.onboardingexport.shared.StrapiEntries;
import com.onboardingexport.shared.StrapiQuery;
import com.onboardingexport.shared.Json;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Reads every response that matches a filter, in id order.
 * The first page asks for the count (Strapi counts on every page that asks, which halves its
 * throughput, so only once); the pages after it continue from the last id seen
 * ({@code filters[id][$gt]}), which stays fast where deep page numbers slow Strapi down; with a
 * parallelism above 1 they are read as concurrent id ranges.
 * The page size asked is the configured one, but Strapi clamps it silently to its maxLimit,
 * so the size it answers with is the one used. If the rows read differ from the count, the data
 * changed under the export, and it fails rather than hand out an incomplete file.
 */
public final class ResponsePager {
    /** Receives each response, flattened to Strapi 5's shape. */
    public interface RowSink {
        void accept(JsonNode row) throws IOException;
    }

    /** What the first page tells: the total and the page size Strapi really uses. */
    public record FirstPage(JsonNode page, long total, int pageSize) {
    }

    private static final int MIN_PAGES_PER_RANGE = 8;

    private final StrapiClient strapi;
    private final ExportConfig config;
    /** The response's campaign and, inside it, the campaign's client: the only Strapi 4 relations to unwrap. */
    private final StrapiEntries.Relations responseRelations;

    public ResponsePager(StrapiClient strapi, ExportConfig config) {
        this.strapi = strapi;
        this.config = config;
        this.responseRelations = StrapiEntries.Relations.of(config.campaignField(), StrapiEntries.Relations.of(config.clientField()));
    }

    public FirstPage firstPage(ResponseFilter filter, Deadline deadline) {
        StrapiQuery query = filter.toQuery(config)
                .add("sort[0]", "id:asc")
                .add("pagination[page]", 1)
                .add("pagination[pageSize]", config.pageSize())
                .add("pagination[withCount]", "true");
        JsonNode page = strapi.get(config.responsesCollection(), query, deadline);
        JsonNode pagination = page.path("meta").path("pagination");
        if (!page.path("data").isArray() || !pagination.path("total").canConvertToLong()) {
            throw new ApiException(ErrorCode.UPSTREAM_ERROR, "Strapi answered a page without data or pagination");
        }
        int pageSize = pagination.path("pageSize").asInt(config.pageSize());
        return new FirstPage(page, pagination.path("total").asLong(), pageSize > 0 ? pageSize : config.pageSize());
    }

    /**
     * Hands every matching row to the sink in id order, starting with the rows of {@code first};
     * returns how many. With a parallelism above 1, the ids after the first page are cut into
     * ranges read concurrently (each by keyset paging), each range spilled to a file in
     * {@code scratch} and handed on in order, so memory stays flat whatever the row count.
     */
    public long readAll(ResponseFilter filter, FirstPage first, Deadline deadline, Path scratch, RowSink sink) throws IOException {
        long read = 0;
        long lastId = -1;
        int rows = 0;
        for (JsonNode entry : first.page().path("data")) {
            JsonNode row = row(entry);
            lastId = row.path("id").asLong();
            sink.accept(row);
            rows++;
        }
        read += rows;
        if (rows == first.pageSize() && read < first.total()) {
            long remaining = first.total() - read;
            if (config.parallelism() > 1 && remaining > first.pageSize()) {
                read += readRangesConcurrently(filter, first.pageSize(), lastId, remaining, deadline, scratch, sink);
            } else {
                read += readRange(filter, first.pageSize(), lastId, Long.MAX_VALUE, deadline, sink);
            }
        }
        if (read != first.total()) {
            JsonLog.warn("strapi data changed during the export", "counted", first.total(), "read", read);
            throw new ApiException(ErrorCode.UPSTREAM_ERROR, "Strapi's data changed during the export; please try again");
        }
        return read;
    }

    /** Keyset paging over ids in (afterId, upToId]: each page continues after the last id seen. */
    private long readRange(ResponseFilter filter, int pageSize, long afterId, long upToId, Deadline deadline, RowSink sink)
            throws IOException {
        long read = 0;
        long lastId = afterId;
        while (true) {
            StrapiQuery query = filter.toQuery(config).add("filters[id][$gt]", lastId);
            if (upToId != Long.MAX_VALUE) {
                query.add("filters[id][$lte]", upToId);
            }
            query.add("sort[0]", "id:asc")
                    .add("pagination[page]", 1)
                    .add("pagination[pageSize]", pageSize)
                    .add("pagination[withCount]", "false");
            JsonNode page = strapi.get(config.responsesCollection(), query, deadline);
            if (!page.path("data").isArray()) {
                throw new ApiException(ErrorCode.UPSTREAM_ERROR, "Strapi answered a page without data");
            }
            int rows = 0;
            for (JsonNode entry : page.path("data")) {
                JsonNode row = row(entry);
                long id = row.path("id").asLong();
                if (id <= lastId) {
                    throw new ApiException(ErrorCode.UPSTREAM_ERROR, "Strapi answered a page out of id order");
                }
                lastId = id;
                sink.accept(row);
                rows++;
            }
            read += rows;
            if (rows < pageSize) {
                return read;
            }
        }
    }

    private long readRangesConcurrently(ResponseFilter filter, int pageSize, long afterId, long remaining, Deadline deadline,
                                        Path scratch, RowSink sink) throws IOException {
        long maxId = maxId(filter, deadline);
        if (maxId <= afterId) {
            return 0;
        }
        // Each range costs about one request more than its rows need (its last, partial page), so
        // ranges are kept to at least MIN_PAGES_PER_RANGE pages; twice the parallelism evens out
        // ranges the filter leaves thin.
        long pages = (remaining + pageSize - 1) / pageSize;
        int ranges = (int) Math.max(1, Math.min(config.parallelism() * 2L, pages / MIN_PAGES_PER_RANGE));
        long width = Math.max(1, (maxId - afterId + ranges - 1) / ranges);
        ExecutorService pool = Executors.newFixedThreadPool(config.parallelism(), runnable -> {
            Thread thread = new Thread(runnable, "strapi-pager");
            thread.setDaemon(true);
            return thread;
        });
        List<Path> files = new ArrayList<>();
        List<Future<Long>> futures = new ArrayList<>();
        try {
            for (int i = 0; i < ranges; i++) {
                long from = afterId + i * width;
                long to = i == ranges - 1 ? maxId : Math.min(maxId, from + width);
                Path file = scratch.resolve("range-" + i + ".jsonl");
                files.add(file);
                futures.add(pool.submit(() -> spillRange(filter, pageSize, from, to, deadline, file)));
            }
            long read = 0;
            for (int i = 0; i < ranges; i++) {
                read += await(futures.get(i), deadline);
                try (BufferedReader reader = Files.newBufferedReader(files.get(i), StandardCharsets.UTF_8)) {
                    String line;
                    while ((line = reader.readLine()) != null) {
                        sink.accept(Json.MAPPER.readTree(line));
                    }
                }
                Files.deleteIfExists(files.get(i));
            }
            return read;
        } finally {
            pool.shutdownNow();
            for (Path file : files) {
                Files.deleteIfExists(file);
            }
        }
    }

    private long spillRange(ResponseFilter filter, int pageSize, long afterId, long upToId, Deadline deadline, Path file)
            throws IOException {
        try (BufferedWriter writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            return readRange(filter, pageSize, afterId, upToId, deadline, row -> {
                writer.write(row.toString());
                writer.write('\n');
            });
        }
    }

    private long maxId(ResponseFilter filter, Deadline deadline) {
        StrapiQuery query = filter.toQuery(config)
                .add("sort[0]", "id:desc")
                .add("pagination[page]", 1)
                .add("pagination[pageSize]", 1)
                .add("pagination[withCount]", "false");
        JsonNode data = strapi.get(config.responsesCollection(), query, deadline).path("data");
        return data.isArray() && data.size() > 0 ? row(data.get(0)).path("id").asLong() : -1;
    }

    private static long await(Future<Long> future, Deadline deadline) throws IOException {
        try {
            return future.get(deadline.remaining().toMillis() + 1_000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (cause instanceof IOException io) {
                throw io;
            }
            throw new ApiException(ErrorCode.INTERNAL, "Reading Strapi failed", cause);
        } catch (TimeoutException e) {
            throw new ApiException(ErrorCode.UPSTREAM_TIMEOUT, "Strapi did not answer in the time left");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(ErrorCode.INTERNAL, "Interrupted while reading Strapi", e);
        }
    }

    /** An entry in Strapi 5's flat shape, with the numeric id keyset paging needs. */
    private JsonNode row(JsonNode entry) {
        JsonNode row = StrapiEntries.flat(entry, responseRelations);
        if (!row.path("id").canConvertToLong()) {
            throw new ApiException(ErrorCode.UPSTREAM_ERROR, "Strapi answered a response without a numeric id");
        }
        return row;
    }
}
