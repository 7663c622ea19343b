package com.onboardingexport.export.service;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.onboardingexport.export.format.FileFormat;
import com.onboardingexport.shared.ApiException;
import com.onboardingexport.shared.ErrorCode;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ExportServiceTest {
    @Test
    @DisplayName("an XLSX sheet holds 1 048 575 responses under its header; one more is a 400 that suggests CSV")
    void xlsxRowLimit() {
        assertDoesNotThrow(() -> ExportService.requireFits(FileFormat.XLSX, 1_048_575));
        ApiException e = assertThrows(ApiException.class, () -> ExportService.requireFits(FileFormat.XLSX, 1_048_576));
        assertEquals(ErrorCode.INVALID_REQUEST, e.code());
        assertEquals("1,048,576 responses match, more than an XLSX sheet holds (1,048,575 rows and its header): ask for"
                + " file_format csv, or narrow the date range or the campaigns", e.getMessage());
        assertDoesNotThrow(() -> ExportService.requireFits(FileFormat.CSV, 50_000_000));
        assertDoesNotThrow(() -> ExportService.requireFits(FileFormat.JSON, 50_000_000));
    }
}
