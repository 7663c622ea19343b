package com.onboardingexport.export.model;

import com.onboardingexport.export.format.Compression;
import com.onboardingexport.export.format.FileFormat;
import java.util.List;

/** A file written and stored, not yet signed. */
public record ExportedFile(String exportId, String key, String filename, FileFormat format, Compression compression, long rows,
                           long sizeBytes, String overflowColumn, List<String> fieldsNotFound, Long cellsTruncated,
                           Long rowsDegraded) {
}
