package com.onboardingexport.export.format;

import com.onboardingexport.export.spool.ExportSpool;
import java.io.IOException;
import java.io.OutputStream;

/** Writes an export's spooled rows as a file of one format; flushes the stream, never closes it. */
public interface ExportWriter {
    /** @return the cells cut to what a cell holds (XLSX); 0 for a format that cuts none */
    long write(ExportSpool spool, OutputStream out) throws IOException;
}
