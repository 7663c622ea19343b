package com.onboardingexport.export.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.onboardingexport.export.format.Compression;
import com.onboardingexport.export.format.CsvOptions;
import com.onboardingexport.export.format.FileFormat;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Locale;

/**
 * A validated export request: what to export, whatever its source (API body or schedule input).
 * As JSON ({@link JsonForm}) it is a request body; a resolved request ({@link #resolved()}) is what
 * a background export's job stores and the worker reads back as it is.
 *
 * @param dateRangeText the date range as asked for ({@code last_30_days}), or as resolved ({@code start/end})
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

    /** The same request over another window, which reads as its instants in the file and the logs. */
    public ExportRequest withDateRange(DateRange range) {
        return new ExportRequest(campaignIds, range, range.resolvedText(), zone, format, mode, dateField, compression, csv, fields);
    }

    /**
     * The request as a background run exports it: its date range resolved to instants (so
     * {@code last_30_days} stays the window of the POST), synchronous, on the configured date field.
     */
    public ExportRequest resolved() {
        return new ExportRequest(campaignIds, dateRange.resolved(), dateRange.resolvedText(), zone, format, ExportMode.SYNC, null,
                compression, csv, fields);
    }

    /**
     * The request as a JSON body: every field spelled out, {@code csv} for a CSV file only,
     * {@code fields} when some were asked for. The date range is its text.
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record JsonForm(List<String> campaignIds, String dateRange, String timezone, String fileFormat, String mode,
                           String compression, CsvOptions csv, List<String> fields) {
    }

    @JsonValue
    public JsonForm toJson() {
        return new JsonForm(campaignIds, dateRangeText, zone.getId(), format.extension(), mode.name().toLowerCase(Locale.ROOT),
                compression.value(), format == FileFormat.CSV ? csv : null, fields.isEmpty() ? null : fields);
    }

    /**
     * A resolved request read back from its JSON ({@link #resolved()}): the date range is taken as
     * written, never parsed again against a clock. A field left out reads as a request body's
     * default; a date range that is not resolved is an {@link IllegalArgumentException}.
     */
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static ExportRequest fromJson(JsonForm json) {
        FileFormat format = json.fileFormat() == null ? FileFormat.CSV : named(FileFormat.class, json.fileFormat());
        return new ExportRequest(json.campaignIds() == null ? List.of() : List.copyOf(json.campaignIds()),
                DateRange.ofResolvedText(json.dateRange()), json.dateRange(),
                json.timezone() == null ? ZoneOffset.UTC : ZoneId.of(json.timezone()), format,
                json.mode() == null ? ExportMode.AUTO : named(ExportMode.class, json.mode()), null,
                json.compression() == null ? Compression.NONE : named(Compression.class, json.compression()),
                json.csv() == null || format != FileFormat.CSV ? CsvOptions.DEFAULT : json.csv(),
                json.fields() == null ? List.of() : List.copyOf(json.fields()));
    }

    /** The constant a request names in lower case, as the parser reads it. */
    private static <E extends Enum<E>> E named(Class<E> type, String text) {
        for (E value : type.getEnumConstants()) {
            if (value.name().toLowerCase(Locale.ROOT).equals(text)) {
                return value;
            }
        }
        throw new IllegalArgumentException("Not a " + type.getSimpleName() + ": " + text);
    }
}
