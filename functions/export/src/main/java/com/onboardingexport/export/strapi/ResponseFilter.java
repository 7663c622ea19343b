package com.onboardingexport.export.strapi;

import com.onboardingexport.export.config.ExportConfig;
import com.onboardingexport.export.model.DateRange;
import com.onboardingexport.shared.StrapiQuery;
import java.util.List;

/**
 * The one query shape of an export: which responses (campaigns, the client's own, the date range)
 * and which relations to populate (campaign name, client name). A client's filter always carries
 * its own client, besides any campaign ids (defence in depth).
 */
public record ResponseFilter(List<String> campaignIds, String clientId, DateRange dateRange, String dateField) {

    /** On the configured date field of the responses. */
    public ResponseFilter(List<String> campaignIds, String clientId, DateRange dateRange) {
        this(campaignIds, clientId, dateRange, null);
    }

    public StrapiQuery toQuery(ExportConfig config) {
        String campaign = "filters[" + config.campaignField() + "]";
        StrapiQuery query = new StrapiQuery();
        if (!campaignIds.isEmpty()) {
            query.addAll(campaign + "[" + config.idField() + "][$in]", campaignIds);
        }
        if (clientId != null && !clientId.isEmpty()) {
            query.add(campaign + "[" + config.clientField() + "][" + config.idField() + "][$eq]", clientId);
        }
        String field = dateField == null ? config.dateField() : dateField;
        if (dateRange.start() != null) {
            query.add("filters[" + field + "][$gte]", dateRange.start().toString());
        }
        if (dateRange.end() != null) {
            query.add("filters[" + field + "][$lt]", dateRange.end().toString());
        }
        String populate = "populate[" + config.campaignField() + "]";
        query.add(populate + "[fields][0]", "name");
        query.add(populate + "[populate][" + config.clientField() + "][fields][0]", "name");
        return query;
    }
}
