package com.onboardingexport.export.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.onboardingexport.export.format.Compression;
import com.onboardingexport.export.format.CsvOptions;
import com.onboardingexport.export.format.FileFormat;
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
    static final List<String> FIELDS = List.of(
            "campaign_ids", "date_range", "timezone", "file_format", "compression", "csv", "fields", "mode");
    static final int MAX_FIELDS = 200;
    /** A response field or a path into it: segments of letters, digits and _, joined by dots. */
    private static final Pattern FIELD = Pattern.compile("[A-Za-z0-9_]+(\\.[A-Za-z0-9_]+)*");
    private static final int MAX_FIELD_LENGTH = 200;
    private static final Set<String> CSV_OPTIONS = Set.of("bom", "delimiter");
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
        return parse(json, extraFields, clock.instant());
    }

    /** As {@link #parse(JsonNode, Set)}, with relative date ranges ({@code last_7_days}) taken at {@code asOf}. */
    public ExportRequest parse(JsonNode json, Set<String> extraFields, java.time.Instant asOf) {
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
                    + "; allowed: " + String.join(", ", FIELDS));
        }
        List<String> campaignIds = campaignIds(json.get("campaign_ids"));
        ZoneId zone = zone(optionalText(json, "timezone"));
        String dateRangeText = optionalText(json, "date_range");
        if (dateRangeText != null && dateRangeText.length() > MAX_TEXT) {
            throw invalid("date_range is too long to be a preset or an ISO-8601 interval");
        }
        DateRange range = DateRange.parse(dateRangeText, zone, Clock.fixed(asOf, java.time.ZoneOffset.UTC));
        FileFormat format = enumValue(json, "file_format", FileFormat.class, FileFormat.CSV);
        ExportMode mode = enumValue(json, "mode", ExportMode.class, ExportMode.AUTO);
        Compression compression = enumValue(json, "compression", Compression.class, Compression.NONE);
        if (compression == Compression.GZIP && format == FileFormat.XLSX) {
            throw invalid("compression gzip does not go with file_format xlsx: an XLSX file is compressed already");
        }
        CsvOptions csv = csvOptions(json.get("csv"), format);
        return new ExportRequest(campaignIds, range, dateRangeText == null ? DateRange.DEFAULT : dateRangeText,
                zone, format, mode, null, compression, csv, fields(json.get("fields")));
    }

    private static CsvOptions csvOptions(JsonNode node, FileFormat format) {
        if (node == null || node.isNull()) {
            return CsvOptions.DEFAULT;
        }
        if (format != FileFormat.CSV) {
            throw invalid("csv options go with file_format csv only");
        }
        if (!node.isObject()) {
            throw invalid("csv must be an object: {\"bom\": true|false, \"delimiter\": \",\" | \";\" | \"\\t\"}");
        }
        List<String> unknown = new ArrayList<>();
        node.fieldNames().forEachRemaining(name -> {
            if (!CSV_OPTIONS.contains(name)) {
                unknown.add(name);
            }
        });
        if (!unknown.isEmpty()) {
            throw invalid("Unknown csv option(s): " + Messages.printable(String.join(", ", unknown)) + "; allowed: bom, delimiter");
        }
        JsonNode bom = node.get("bom");
        if (bom != null && !bom.isNull() && !bom.isBoolean()) {
            throw invalid("csv.bom must be true or false");
        }
        String delimiter = optionalText("csv.delimiter", node.get("delimiter"));
        if (delimiter != null && (delimiter.length() != 1 || !CsvOptions.DELIMITERS.contains(delimiter.charAt(0)))) {
            throw invalid("csv.delimiter must be \",\", \";\" or a tab (\"\\t\")");
        }
        return new CsvOptions(bom != null && bom.asBoolean(), delimiter == null ? CsvOptions.DEFAULT.delimiter() : delimiter.charAt(0));
    }

    /** The columns asked for, in order, each once; empty when not given. */
    private static List<String> fields(JsonNode node) {
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (!node.isArray() || node.isEmpty() || node.size() > MAX_FIELDS) {
            throw invalid("fields must be an array of 1 to " + MAX_FIELDS + " field names");
        }
        Set<String> fields = new LinkedHashSet<>();
        for (int i = 0; i < node.size(); i++) {
            JsonNode field = node.get(i);
            if (!field.isTextual() || field.asText().length() > MAX_FIELD_LENGTH || !FIELD.matcher(field.asText()).matches()) {
                throw invalid("fields[" + i + "] is not a field name: letters, digits and _, dots between the parts of a path"
                        + " (answers.company.size), at most " + MAX_FIELD_LENGTH + " characters");
            }
            fields.add(field.asText());
        }
        return List.copyOf(fields);
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
        return optionalText(field, json.get(field));
    }

    private static String optionalText(String field, JsonNode node) {
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
