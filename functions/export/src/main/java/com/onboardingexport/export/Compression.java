package com.onboardingexport.export;

/** How the export file is compressed: not at all, or gzip (not with XLSX, which is a zip already). */
public enum Compression {
    NONE,
    GZIP
}
