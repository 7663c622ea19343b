package com.onboardingexport.export;

/** The file formats an export can be written in. */
public enum FileFormat {
    CSV("csv", "text/csv; charset=utf-8", Long.MAX_VALUE),
    JSON("json", "application/json; charset=utf-8", Long.MAX_VALUE),
    /** One sheet: 1 048 576 rows, the header included. */
    XLSX("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", 1_048_576 - 1);

    private final String extension;
    private final String contentType;
    private final long maxRows;

    FileFormat(String extension, String contentType, long maxRows) {
        this.extension = extension;
        this.contentType = contentType;
        this.maxRows = maxRows;
    }

    public String extension() {
        return extension;
    }

    public String contentType() {
        return contentType;
    }

    /** The most responses one file of this format holds. */
    public long maxRows() {
        return maxRows;
    }
}
