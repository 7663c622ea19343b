package com.onboardingexport.export.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.onboardingexport.export.format.Compression;
import com.onboardingexport.export.format.CsvOptions;
import com.onboardingexport.export.format.FileFormat;
import com.onboardingexport.shared.ApiException;
import com.onboardingexport.shared.ErrorCode;
import com.onboardingexport.shared.Json;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The request fields of the file: format, compression, CSV options and chosen columns. */
class ExportRequestParserTest {
    private final ExportRequestParser parser = new ExportRequestParser(100,
            Clock.fixed(Instant.parse("2026-11-24T04:30:00Z"), ZoneOffset.UTC));

    @Test
    @DisplayName("defaults: CSV, no compression, plain RFC 4180 options, no chosen fields")
    void defaults() {
        ExportRequest request = parser.parseBody("{}");
        assertEquals(FileFormat.CSV, request.format());
        assertEquals(Compression.NONE, request.compression());
        assertEquals(new CsvOptions(false, ','), request.csv());
        assertEquals(List.of(), request.fields());
    }

    @Test
    void everyFileField() {
        ExportRequest request = parser.parseBody("""
                {"file_format": "csv", "compression": "gzip", "csv": {"bom": true, "delimiter": "\\t"},
                 "fields": ["answers.company", "progress", "answers.goals.0", "progress"]}""");
        assertEquals(Compression.GZIP, request.compression());
        assertEquals(new CsvOptions(true, '\t'), request.csv());
        assertEquals(List.of("answers.company", "progress", "answers.goals.0"), request.fields(), "in order, each once");
        assertEquals(FileFormat.XLSX, parser.parseBody("{\"file_format\": \"xlsx\", \"compression\": \"none\"}").format());
        assertEquals(new CsvOptions(false, ';'), parser.parseBody("{\"csv\": {\"delimiter\": \";\"}}").csv(), "csv is the default format");
    }

    @Test
    @DisplayName("a resolved request's JSON keeps the file fields, so a background run or a schedule writes the same file")
    void resolvedJsonRoundTrips() throws Exception {
        for (String body : List.of(
                "{\"file_format\": \"csv\", \"compression\": \"gzip\", \"csv\": {\"bom\": true, \"delimiter\": \";\"}, \"fields\": [\"a.b\", \"c\"]}",
                "{\"file_format\": \"xlsx\", \"fields\": [\"answers\"]}",
                "{\"file_format\": \"json\", \"compression\": \"gzip\"}")) {
            ExportRequest request = parser.parseBody(body);
            ExportRequest again = parser.parse(Json.MAPPER.valueToTree(request.resolved()), Set.of());
            assertEquals(List.of(request.format(), request.compression(), request.csv(), request.fields()),
                    List.of(again.format(), again.compression(), again.csv(), again.fields()), body);
            // Read back as it is, without the parser: the same request, its window as resolved.
            ExportRequest read = Json.MAPPER.readValue(Json.MAPPER.writeValueAsString(request.resolved()), ExportRequest.class);
            assertEquals(request.resolved(), read, body);
            assertEquals(again.dateRange(), read.dateRange(), body);
        }
    }

    @ParameterizedTest(name = "{0} → {1}")
    @CsvSource(delimiterString = " => ", quoteCharacter = '`', value = {
            "{\"file_format\": \"xls\"} => file_format must be one of csv, json, xlsx, not \"xls\"",
            "{\"compression\": \"zip\"} => compression must be one of none, gzip, not \"zip\"",
            "{\"file_format\": \"xlsx\", \"compression\": \"gzip\"} => compression gzip does not go with file_format xlsx: an XLSX file is compressed already",
            "{\"file_format\": \"json\", \"csv\": {\"bom\": true}} => csv options go with file_format csv only",
            "{\"file_format\": \"xlsx\", \"csv\": {}} => csv options go with file_format csv only",
            "{\"csv\": true} => csv must be an object: {\"bom\": true|false, \"delimiter\": \",\" | \";\" | \"\\t\"}",
            "{\"csv\": {\"bom\": \"yes\"}} => csv.bom must be true or false",
            "{\"csv\": {\"delimiter\": \"|\"}} => csv.delimiter must be \",\", \";\" or a tab (\"\\t\")",
            "{\"csv\": {\"delimiter\": \",,\"}} => csv.delimiter must be \",\", \";\" or a tab (\"\\t\")",
            "{\"csv\": {\"delimiter\": 44}} => csv.delimiter must be a string",
            "{\"csv\": {\"quote\": \"'\"}} => Unknown csv option(s): quote; allowed: bom, delimiter",
            "{\"fields\": []} => fields must be an array of 1 to 200 field names",
            "{\"fields\": \"progress\"} => fields must be an array of 1 to 200 field names",
            "{\"fields\": [\"progress\", \"answers..x\"]} => fields[1] is not a field name: letters, digits and _, dots between the parts of a path (answers.company.size), at most 200 characters",
            "{\"fields\": [\".a\"]} => fields[0] is not a field name: letters, digits and _, dots between the parts of a path (answers.company.size), at most 200 characters",
            "{\"fields\": [\"a b\"]} => fields[0] is not a field name: letters, digits and _, dots between the parts of a path (answers.company.size), at most 200 characters",
            "{\"fields\": [3]} => fields[0] is not a field name: letters, digits and _, dots between the parts of a path (answers.company.size), at most 200 characters",
            "{\"fields\": [\"answers[0]\"]} => fields[0] is not a field name: letters, digits and _, dots between the parts of a path (answers.company.size), at most 200 characters",
            "{\"field\": [\"progress\"]} => Unknown field(s): field; allowed: campaign_ids, date_range, timezone, file_format, compression, csv, fields, mode"})
    void refused(String body, String message) {
        ApiException e = assertThrows(ApiException.class, () -> parser.parseBody(body));
        assertEquals(ErrorCode.INVALID_REQUEST, e.code());
        assertEquals(message, e.getMessage());
    }

    @Test
    @DisplayName("fields: at most 200 names of at most 200 characters")
    void fieldBounds() {
        String twoHundred = IntStream.range(0, 200).mapToObj(i -> "\"f" + i + "\"").collect(Collectors.joining(","));
        assertEquals(200, parser.parseBody("{\"fields\": [" + twoHundred + "]}").fields().size());
        assertThrows(ApiException.class, () -> parser.parseBody("{\"fields\": [" + twoHundred + ",\"one_more\"]}"));
        String longest = "a".repeat(99) + "." + "b".repeat(100);
        assertEquals(List.of(longest), parser.parseBody("{\"fields\": [\"" + longest + "\"]}").fields());
        assertThrows(ApiException.class, () -> parser.parseBody("{\"fields\": [\"" + longest + "c\"]}"));
    }
}
