package com.onboardingexport.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.onboardingexport.shared.ApiException;
import com.onboardingexport.shared.Deadline;
import com.onboardingexport.shared.ErrorCode;
import com.onboardingexport.shared.StrapiClient;
import com.onboardingexport.shared.StrapiEntries;
import com.onboardingexport.shared.StrapiQuery;
import java.io.IOException;

/**
 * Reads every response that matches a filter, in id order, page after page.
 * The first page asks for the count (Strapi counts on every page that asks, which halves its
 * throughput, so only once); the pages after it continue from the last id seen
 * ({@code filters[id][$gt]}), which stays fast where deep page numbers slow Strapi down.
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

    private final StrapiClient strapi;
    private final ExportConfig config;

    public ResponsePager(StrapiClient strapi, ExportConfig config) {
        this.strapi = strapi;
        this.config = config;
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

    /** Hands every matching row to the sink, starting with the rows of {@code first}; returns how many. */
    public long readAll(ResponseFilter filter, FirstPage first, Deadline deadline, RowSink sink) throws IOException {
        long read = 0;
        JsonNode page = first.page();
        while (true) {
            long lastId = -1;
            int rows = 0;
            for (JsonNode entry : page.path("data")) {
                JsonNode row = StrapiEntries.flat(entry);
                JsonNode id = row.path("id");
                if (!id.canConvertToLong()) {
                    throw new ApiException(ErrorCode.UPSTREAM_ERROR, "Strapi answered a response without a numeric id");
                }
                lastId = id.asLong();
                sink.accept(row);
                rows++;
            }
            read += rows;
            if (rows < first.pageSize() || read >= first.total()) {
                break;
            }
            StrapiQuery next = filter.toQuery(config)
                    .add("filters[id][$gt]", lastId)
                    .add("sort[0]", "id:asc")
                    .add("pagination[page]", 1)
                    .add("pagination[pageSize]", first.pageSize())
                    .add("pagination[withCount]", "false");
            page = strapi.get(config.responsesCollection(), next, deadline);
            if (!page.path("data").isArray()) {
                throw new ApiException(ErrorCode.UPSTREAM_ERROR, "Strapi answered a page without data");
            }
        }
        if (read != first.total()) {
            throw new ApiException(ErrorCode.UPSTREAM_ERROR, "Strapi's data changed during the export (counted "
                    + first.total() + " responses, read " + read + "); please try again");
        }
        return read;
    }
}
