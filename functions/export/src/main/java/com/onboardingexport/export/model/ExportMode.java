package com.onboardingexport.export.model;

/** sync answers with the file; async answers 202 at once; auto decides from the row count. */
public enum ExportMode {
    SYNC, ASYNC, AUTO
}
