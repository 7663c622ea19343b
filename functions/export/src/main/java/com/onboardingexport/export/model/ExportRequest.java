package com.onboardingexport.export.model;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.onboardingexport.export.format.Compression;
import com.onboardingexport.export.format.CsvOptions;
import com.onboardingexport.export.format.FileFormat;
import com.onboardingexport.shared.Json;
import java.time.ZoneId;
import java.util.List;
import java.util.Locale;

/**
 * A validated export request: what to export, whatever its source (API body or schedule input).
 *
 * @param csv the CSV options; {@link CsvOptions#DEFAULT} for every other format
 * @param fields the response columns asked for, in order (dotted paths); empty when not given
 */
public record ExportRequest(List<String> campaignIds, DateRange dateRange, String dateRangeText, ZoneId zone,
                            FileFormat format, ExportMode mode, String dateField, Compression compression, CsvOptions csv,
                            List<String> fields) {

    /** The same request, its date range on another field of the responses (null: the configured date field). */
    public ExportRequest withDateField(String field) {
        return new ExportRequest(campaignIds, dateRange, dateRangeText, zone, format, mode, field, compression, csv, fields);
    }

    /**
     * The request as a body the parser reads back, with the date range resolved to instants, so a
     * background run later exports exactly the window that was asked for now, in the same file.
     */
    public ObjectNode toResolvedJson() {
        ObjectNode json = Json.MAPPER.createObjectNode();
        campaignIds.forEach(json.putArray("campaign_ids")::add);
        json.put("date_range", dateRange.start() == null ? "all_time" : dateRange.start() + "/" + dateRange.end());
        json.put("timezone", zone.getId());
        json.put("file_format", format.extension());
        json.put("mode", "sync");
        json.put("compression", compression.name().toLowerCase(Locale.ROOT));
        if (format == FileFormat.CSV) {
            json.set("csv", csv.toJson());
        }
        if (!fields.isEmpty()) {
            fields.forEach(json.putArray("fields")::add);
        }
        return json;
    }
}
