package com.onboardingexport.export;

/** The file formats an export can be written in. */
public enum FileFormat {
    CSV("csv", "text/csv; charset=utf-8"),
    JSON("json", "application/json; charset=utf-8");

    private final String extension;
    private final String contentType;

    FileFormat(String extension, String contentType) {
        this.extension = extension;
        this.contentType = contentType;
    }

    public String extension() {
        return extension;
    }

    public String contentType() {
        return contentType;
    }
}
