package com.onboardingexport.export.format;

import java.util.function.Function;

/** The file formats an export can be written in, each with its writer: a new format is one constant and one class. */
public enum FileFormat {
    CSV("csv", "text/csv; charset=utf-8", Long.MAX_VALUE, inputs -> new CsvExportWriter(inputs.config(), inputs.csv())),
    JSON("json", "application/json; charset=utf-8", Long.MAX_VALUE, inputs -> new JsonExportWriter(inputs.metadata())),
    /** One sheet: 1 048 576 rows, the header included. */
    XLSX("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", 1_048_576 - 1,
            inputs -> new XlsxExportWriter(inputs.config()));

    private final String extension;
    private final String contentType;
    private final long maxRows;
    private final Function<WriterInputs, ExportWriter> writer;

    FileFormat(String extension, String contentType, long maxRows, Function<WriterInputs, ExportWriter> writer) {
        this.extension = extension;
        this.contentType = contentType;
        this.maxRows = maxRows;
        this.writer = writer;
    }

    /** This format's writer. */
    public ExportWriter writer(WriterInputs inputs) {
        return writer.apply(inputs);
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
