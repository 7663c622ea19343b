package com.onboardingexport.export.format;

import java.util.Locale;

/** How the export file is compressed: not at all, or gzip (not with XLSX, which is a zip already). */
public enum Compression {
    NONE(""),
    GZIP(".gz");

    /** Gzip files are sent as what they are, so a browser saves them as {@code .csv.gz} without unpacking them. */
    public static final String GZIP_CONTENT_TYPE = "application/gzip";

    private final String suffix;

    Compression(String suffix) {
        this.suffix = suffix;
    }

    /** What the file name gets after the format's extension: {@code .gz}, or nothing. */
    public String suffix() {
        return suffix;
    }

    public String contentType(FileFormat format) {
        return this == NONE ? format.contentType() : GZIP_CONTENT_TYPE;
    }

    /** The request's and status's name: {@code none}, {@code gzip}. */
    public String value() {
        return name().toLowerCase(Locale.ROOT);
    }
}
