package com.onboardingexport.export;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.onboardingexport.shared.ApiException;
import com.onboardingexport.shared.ErrorCode;
import com.onboardingexport.shared.Json;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Turns a request body (snake_case JSON, every field optional) into an {@link ExportRequest}, or
 * a 400 INVALID_REQUEST that says what is wrong. Unknown fields are refused so a typo
 * ({@code campaign_id}) never silently widens an export to every campaign.
 */
public final class ExportRequestParser {
    static final Set<String> FIELDS = Set.of("campaign_ids", "date_range", "file_format", "timezone", "mode");
    /** Strapi 5 documentIds and Strapi 4 numeric ids both fit; anything else is not an id. */
    private static final Pattern CAMPAIGN_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final int MAX_TEXT = 100;

    private final int maxCampaignIds;
    private final Clock clock;

    public ExportRequestParser(int maxCampaignIds, Clock clock) {
        this.maxCampaignIds = maxCampaignIds;
        this.clock = clock;
    }

    public ExportRequest parseBody(String body) {
        if (body == null || body.isBlank()) {
            return parse(Json.MAPPER.createObjectNode(), Set.of());
        }
        JsonNode json;
        try {
            json = Json.MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            throw invalid("Request body is not valid JSON");
        }
        return parse(json, Set.of());
    }

    /** Parses a JSON object; {@code extraFields} are allowed but ignored here (a schedule's name). */
    public ExportRequest parse(JsonNode json, Set<String> extraFields) {
        if (json == null || json.isNull() || json.isMissingNode()) {
            json = Json.MAPPER.createObjectNode();
        }
        if (!json.isObject()) {
            throw invalid("Request body must be a JSON object");
        }
        List<String> unknown = new ArrayList<>();
        json.fieldNames().forEachRemaining(name -> {
            if (!FIELDS.contains(name) && !extraFields.contains(name)) {
                unknown.add(name);
            }
        });
        if (!unknown.isEmpty()) {
            throw invalid("Unknown field(s): " + Messages.printable(String.join(", ", unknown))
                    + "; allowed: campaign_ids, date_range, file_format, timezone, mode");
        }
        List<String> campaignIds = campaignIds(json.get("campaign_ids"));
        ZoneId zone = zone(optionalText(json, "timezone"));
        String dateRangeText = optionalText(json, "date_range");
        if (dateRangeText != null && dateRangeText.length() > MAX_TEXT) {
            throw invalid("date_range is too long to be a preset or an ISO-8601 interval");
        }
        DateRange range = DateRange.parse(dateRangeText, zone, clock);
        FileFormat format = enumValue(json, "file_format", FileFormat.class, FileFormat.CSV);
        ExportMode mode = enumValue(json, "mode", ExportMode.class, ExportMode.AUTO);
        return new ExportRequest(campaignIds, range, dateRangeText == null ? DateRange.DEFAULT : dateRangeText,
                zone, format, mode, null);
    }

    private List<String> campaignIds(JsonNode node) {
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            throw invalid("campaign_ids must be an array of strings");
        }
        if (node.size() > maxCampaignIds) {
            throw invalid("campaign_ids holds " + node.size() + " ids; at most " + maxCampaignIds + " are allowed");
        }
        Set<String> ids = new LinkedHashSet<>();
        for (JsonNode id : node) {
            if (!id.isTextual()) {
                throw invalid("campaign_ids must be an array of strings");
            }
            if (!CAMPAIGN_ID.matcher(id.asText()).matches()) {
                // Never echoed: a value that is not an id may be anything the caller's client was fed.
                throw invalid("campaign_ids holds a value that is not a campaign id (letters, digits, _ and -, at most 64)");
            }
            ids.add(id.asText());
        }
        return List.copyOf(ids);
    }

    private static ZoneId zone(String name) {
        if (name == null) {
            return ZoneOffset.UTC;
        }
        try {
            return ZoneId.of(name);
        } catch (DateTimeException e) {
            throw invalid("timezone is not an IANA time zone name: \"" + Messages.printable(name) + "\"");
        }
    }

    private static <E extends Enum<E>> E enumValue(JsonNode json, String field, Class<E> type, E defaultValue) {
        String text = optionalText(json, field);
        if (text == null) {
            return defaultValue;
        }
        for (E value : type.getEnumConstants()) {
            if (value.name().toLowerCase(Locale.ROOT).equals(text)) {
                return value;
            }
        }
        List<String> allowed = new ArrayList<>();
        for (E value : type.getEnumConstants()) {
            allowed.add(value.name().toLowerCase(Locale.ROOT));
        }
        throw invalid(field + " must be one of " + String.join(", ", allowed) + ", not \"" + Messages.printable(text) + "\"");
    }

    private static String optionalText(JsonNode json, String field) {
        JsonNode node = json.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw invalid(field + " must be a string");
        }
        return node.asText();
    }


    private static ApiException invalid(String message) {
        return new ApiException(ErrorCode.INVALID_REQUEST, message);
    }
}
