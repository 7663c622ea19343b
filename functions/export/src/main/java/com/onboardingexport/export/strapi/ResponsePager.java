package com.onboardingexport.export.strapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.onboardingexport.export.config.ExportConfig;
import com.onboardingexport.export.spool.RowSink;
import com.onboardingexport.export.spool.Segments;
import com.onboardingexport.shared.ApiException;
import com.onboardingexport.shared.Deadline;
import com.onboardingexport.shared.ErrorCode;
import com.onboardingexport.shared.JsonLog;
import com.onboardingexport.shared.StrapiClient;
import com.onboardingexport.shared.StrapiEntries;
import com.onboardingexport.shared.StrapiQuery;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;

/**
 * Reads every response that matches a filter, in id order.
 * The first page asks for the count (Strapi counts on every page that asks, which halves its
 * throughput, so only once); the pages after it continue from the last id seen
 * ({@code filters[id][$gt]}), which stays fast where deep page numbers slow Strapi down; with a
 * parallelism above 1 they are read as concurrent id ranges.
 * The page size asked is the configured one, but Strapi clamps it silently to its maxLimit,
 * so the size it answers with is the one used. If the rows read differ from the count, the data
 * changed under the export, and it fails rather than hand out an incomplete file.
 * Pages are read entry by entry ({@link ResponsePage}): a response that cannot be read whole is
 * handed on degraded ({@link RowSink#degraded}), never dropped and never failing the page. A page
 * the parser cannot read at all (an entry that is not valid JSON) is asked for again one entry at a
 * time; the entry that still cannot be read is asked for with its date field only (Strapi adds its
 * ids; the campaign and client are populated as always) and handed on degraded.
 */
public final class ResponsePager {
    /**
     * What the first page tells: the total and the page size Strapi really uses; {@code page} is null
     * when it could not be read, and its entries are then read one at a time.
     */
    public record FirstPage(ResponsePage page, long total, int pageSize) {
    }

    /** What a row that cannot be read at all says in its {@code row_error}. */
    static final String NOT_JSON = "the response is not valid JSON";

    private static final int MIN_PAGES_PER_RANGE = 8;
    private static final Duration PROGRESS_EVERY = Duration.ofSeconds(1);

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
        ResponsePage page;
        try {
            page = strapi.get(config.responsesCollection(), query, deadline, ResponsePage::read);
        } catch (ResponsePage.Unreadable e) {
            // The count and the page size, from the same page without the responses' own fields.
            page = null;
            query.add("fields[0]", config.dateField());
        }
        ResponsePage counted = page != null ? page : strapi.get(config.responsesCollection(), query, deadline, ResponsePage::read);
        JsonNode pagination = counted.meta().path("pagination");
        if (!pagination.path("total").canConvertToLong()) {
            throw new ApiException(ErrorCode.UPSTREAM_ERROR, "Strapi answered a page without data or pagination");
        }
        int pageSize = pagination.path("pageSize").asInt(config.pageSize());
        return new FirstPage(page, pagination.path("total").asLong(), pageSize > 0 ? pageSize : config.pageSize());
    }

    /**
     * Puts every matching row into the segments, in id order, starting with the rows of
     * {@code first}; returns how many. With a parallelism above 1, the ids after the first page
     * are cut into ranges read concurrently (each by keyset paging), each into its own segment.
     * {@code progress} hears the rows read so far, now and then, on the calling thread.
     */
    public long readAll(ResponseFilter filter, FirstPage first, Deadline deadline, Segments segments, LongConsumer progress)
            throws IOException {
        AtomicLong read = new AtomicLong();
        long lastId = -1;
        int rows = 0;
        try (RowSink sink = segments.open(0)) {
            if (first.page() == null) {
                long[] last = {lastId};
                rows = readOneByOne(filter, first.pageSize(), last, Long.MAX_VALUE, deadline, sink);
                lastId = last[0];
            } else {
                for (ResponsePage.Entry entry : first.page().entries()) {
                    lastId = hand(entry, sink);
                    rows++;
                }
            }
        }
        read.addAndGet(rows);
        progress.accept(read.get());
        if (rows == first.pageSize() && read.get() < first.total()) {
            long remaining = first.total() - read.get();
            if (config.parallelism() > 1 && remaining > first.pageSize()) {
                readRangesConcurrently(filter, first.pageSize(), lastId, remaining, deadline, segments, read, progress);
            } else {
                try (RowSink sink = segments.open(1)) {
                    readRange(filter, first.pageSize(), lastId, Long.MAX_VALUE, deadline, sink, read, progress);
                }
            }
        }
        if (read.get() != first.total()) {
            JsonLog.warn("strapi data changed during the export", "counted", first.total(), "read", read.get());
            throw new ApiException(ErrorCode.UPSTREAM_ERROR, "Strapi's data changed during the export; please try again");
        }
        return read.get();
    }

    /** Keyset paging over ids in (afterId, upToId]: each page continues after the last id seen. */
    private void readRange(ResponseFilter filter, int pageSize, long afterId, long upToId, Deadline deadline, RowSink sink,
                           AtomicLong read, LongConsumer progress) throws IOException {
        long lastId = afterId;
        while (true) {
            StrapiQuery query = keyset(filter, lastId, upToId, pageSize);
            ResponsePage page;
            try {
                page = strapi.get(config.responsesCollection(), query, deadline, ResponsePage::read);
            } catch (ResponsePage.Unreadable e) {
                long[] last = {lastId};
                int rows = readOneByOne(filter, pageSize, last, upToId, deadline, sink);
                lastId = last[0];
                progress.accept(read.addAndGet(rows));
                if (rows < pageSize) {
                    return;
                }
                continue;
            }
            int rows = 0;
            for (ResponsePage.Entry entry : page.entries()) {
                lastId = next(hand(entry, sink), lastId);
                rows++;
            }
            progress.accept(read.addAndGet(rows));
            if (rows < pageSize) {
                return;
            }
        }
    }

    /** The page of ids in (afterId, upToId], in id order. */
    private StrapiQuery keyset(ResponseFilter filter, long afterId, long upToId, int pageSize) {
        StrapiQuery query = filter.toQuery(config).add("filters[id][$gt]", afterId);
        if (upToId != Long.MAX_VALUE) {
            query.add("filters[id][$lte]", upToId);
        }
        return query.add("sort[0]", "id:asc")
                .add("pagination[page]", 1)
                .add("pagination[pageSize]", pageSize)
                .add("pagination[withCount]", "false");
    }

    /**
     * The entries of a page that could not be read, asked for one at a time (at most {@code count},
     * after {@code lastId[0]}, up to {@code upToId}); one that still cannot be read is asked for with
     * its date field only, and handed on degraded. Moves {@code lastId[0]}; returns how many.
     */
    private int readOneByOne(ResponseFilter filter, int count, long[] lastId, long upToId, Deadline deadline, RowSink sink)
            throws IOException {
        int rows = 0;
        while (rows < count) {
            StrapiQuery query = keyset(filter, lastId[0], upToId, 1);
            List<ResponsePage.Entry> one;
            boolean unreadable = false;
            try {
                one = strapi.get(config.responsesCollection(), query, deadline, ResponsePage::read).entries();
            } catch (ResponsePage.Unreadable e) {
                // Its ids, date and campaign can be read: a second failure here fails the export.
                one = strapi.get(config.responsesCollection(), query.add("fields[0]", config.dateField()), deadline,
                        ResponsePage::read).entries();
                unreadable = true;
            }
            if (one.isEmpty()) {
                return rows;
            }
            ResponsePage.Entry entry = unreadable ? new ResponsePage.Entry(one.get(0).fields(), NOT_JSON) : one.get(0);
            lastId[0] = next(hand(entry, sink), lastId[0]);
            rows++;
        }
        return rows;
    }

    private static long next(long id, long lastId) {
        if (id <= lastId) {
            throw new ApiException(ErrorCode.UPSTREAM_ERROR, "Strapi answered a page out of id order");
        }
        return id;
    }

    private void readRangesConcurrently(ResponseFilter filter, int pageSize, long afterId, long remaining, Deadline deadline,
                                        Segments segments, AtomicLong read, LongConsumer progress) throws IOException {
        long maxId = maxId(filter, deadline);
        if (maxId <= afterId) {
            return;
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
        List<Future<?>> futures = new ArrayList<>();
        try {
            for (int i = 0; i < ranges; i++) {
                long from = afterId + i * width;
                long to = i == ranges - 1 ? maxId : Math.min(maxId, from + width);
                int segment = i + 1;
                futures.add(pool.submit(() -> {
                    try (RowSink sink = segments.open(segment)) {
                        // Progress is told on the calling thread only (below), never from the readers.
                        readRange(filter, pageSize, from, to, deadline, sink, read, rows -> { });
                    }
                    return null;
                }));
            }
            for (Future<?> future : futures) {
                await(future, deadline, () -> progress.accept(read.get()));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** The last id: from its date field only (Strapi adds the ids), so its other fields need not be readable. */
    private long maxId(ResponseFilter filter, Deadline deadline) {
        StrapiQuery query = filter.toQuery(config)
                .add("fields[0]", config.dateField())
                .add("sort[0]", "id:desc")
                .add("pagination[page]", 1)
                .add("pagination[pageSize]", 1)
                .add("pagination[withCount]", "false");
        List<ResponsePage.Entry> data = strapi.get(config.responsesCollection(), query, deadline, ResponsePage::read).entries();
        return data.isEmpty() ? -1 : row(data.get(0).fields()).path("id").asLong();
    }

    /** Waits for one range, telling progress every second; the readers' own failure comes through as it was. */
    private static void await(Future<?> future, Deadline deadline, Runnable progress) throws IOException {
        try {
            while (true) {
                long waitMillis = Math.min(PROGRESS_EVERY.toMillis(), deadline.remaining().toMillis() + 1_000);
                try {
                    future.get(Math.max(1, waitMillis), TimeUnit.MILLISECONDS);
                    return;
                } catch (TimeoutException e) {
                    if (deadline.remaining().toMillis() + 1_000 <= 0) {
                        throw new ApiException(ErrorCode.UPSTREAM_TIMEOUT, "Strapi did not answer in the time left");
                    }
                    progress.run();
                }
            }
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (cause instanceof IOException io) {
                throw io;
            }
            throw new ApiException(ErrorCode.INTERNAL, "Reading Strapi failed", cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(ErrorCode.INTERNAL, "Interrupted while reading Strapi", e);
        }
    }

    /** Hands an entry on, whole or degraded; returns its id. */
    private long hand(ResponsePage.Entry entry, RowSink sink) throws IOException {
        JsonNode row = row(entry.fields());
        if (entry.problem() == null) {
            sink.accept(row);
        } else {
            JsonLog.warn("response exported degraded", "id", row.path("id").asLong(), "problem", entry.problem());
            sink.degraded(row, entry.problem());
        }
        return row.path("id").asLong();
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
