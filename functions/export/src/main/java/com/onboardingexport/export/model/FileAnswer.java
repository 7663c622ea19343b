package com.onboardingexport.export.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.onboardingexport.export.format.Compression;
import java.util.List;

/**
 * A finished export as the API answers it: the 200 body, and the first fields of a succeeded
 * status's answer. Absent fields are left out: the link's without a link, {@code compression} for
 * a file that is not compressed, {@code columns_truncated} and {@code overflow_column} when every
 * column fit, {@code fields_not_found} when no {@code fields} were asked for, {@code cells_truncated}
 * and {@code rows_degraded} when none were.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record FileAnswer(String exportId, String downloadUrl, String filename, String fileFormat, String compression,
                         String contentType, long recordCount, long sizeBytes, String expiresAt, Boolean columnsTruncated,
                         String overflowColumn, List<String> fieldsNotFound, Long cellsTruncated, Long rowsDegraded) {

    public static FileAnswer of(ExportResult result) {
        ExportedFile file = result.file();
        return new FileAnswer(result.exportId(), result.downloadUrl(), file.filename(), file.format().extension(),
                file.compression() == Compression.NONE ? null : file.compression().value(),
                file.contentType(), file.recordCount(), file.sizeBytes(),
                result.expiresAt() == null ? null : result.expiresAt().toString(),
                file.overflowColumn() == null ? null : Boolean.TRUE, file.overflowColumn(), file.fieldsNotFound(),
                file.cellsTruncated(), file.rowsDegraded());
    }
}
