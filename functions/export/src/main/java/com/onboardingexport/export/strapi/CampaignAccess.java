package com.onboardingexport.export.strapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.onboardingexport.export.config.ExportConfig;
import com.onboardingexport.shared.ApiException;
import com.onboardingexport.shared.Deadline;
import com.onboardingexport.shared.ErrorCode;
import com.onboardingexport.shared.JsonLog;
import com.onboardingexport.shared.StrapiClient;
import com.onboardingexport.shared.StrapiEntries;
import com.onboardingexport.shared.StrapiQuery;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Checks that every campaign a client asks for belongs to its own client, so a foreign id is a
 * 403 rather than a quietly empty file. The refusal names only ids the caller itself sent.
 */
public final class CampaignAccess {
    private final StrapiClient strapi;
    private final ExportConfig config;

    public CampaignAccess(StrapiClient strapi, ExportConfig config) {
        this.strapi = strapi;
        this.config = config;
    }

    public void requireOwnCampaigns(List<String> campaignIds, String clientId, Deadline deadline) {
        if (campaignIds.isEmpty()) {
            return;
        }
        StrapiQuery query = new StrapiQuery()
                .addAll("filters[" + config.idField() + "][$in]", campaignIds)
                .add("filters[" + config.clientField() + "][" + config.idField() + "][$eq]", clientId)
                .add("fields[0]", "name")
                .add("pagination[pageSize]", campaignIds.size())
                .add("pagination[withCount]", "false");
        JsonNode page = strapi.get(config.campaignsCollection(), query, deadline);
        Set<String> own = new HashSet<>();
        for (JsonNode entry : page.path("data")) {
            own.add(StrapiEntries.flat(entry, StrapiEntries.Relations.of(config.clientField())).path(config.idField()).asText());
        }
        List<String> refused = new ArrayList<>();
        for (String id : campaignIds) {
            if (!own.contains(id)) {
                refused.add(id);
            }
        }
        if (!refused.isEmpty()) {
            JsonLog.info("campaigns refused", "client_id", clientId, "refused", refused);
            throw new ApiException(ErrorCode.FORBIDDEN, "You may not export one or more of the campaigns asked for");
        }
    }
}
