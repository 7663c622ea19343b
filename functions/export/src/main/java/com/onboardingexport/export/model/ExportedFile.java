package com.onboardingexport.export.model;

import com.onboardingexport.export.format.Compression;
import com.onboardingexport.export.format.FileFormat;
import java.util.List;

/**
 * A file an export wrote and stored: what the service returns, a succeeded status keeps, the
 * answers and the event tell.
 *
 * @param key the object's key in the export bucket
 * @param overflowColumn the CSV or XLSX column holding the values whose columns did not fit; null when all fit (always for JSON)
 * @param fieldsNotFound the {@code fields} asked for that matched nothing; null when none were asked for
 * @param cellsTruncated the XLSX cells cut to what a cell holds; null when none were
 * @param rowsDegraded the responses that could not be read whole, exported with {@code row_error}
 *     instead of their own fields; null when none were
 */
public record ExportedFile(String key, String filename, FileFormat format, Compression compression, long recordCount, long sizeBytes,
                           String overflowColumn, List<String> fieldsNotFound, Long cellsTruncated, Long rowsDegraded) {

    /** What the object is sent as: the format's type, or gzip's for a compressed file. */
    public String contentType() {
        return compression.contentType(format);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** An exported file, part by part. */
    public static final class Builder {
        private String key;
        private String filename;
        private FileFormat format;
        private Compression compression = Compression.NONE;
        private long recordCount;
        private long sizeBytes;
        private String overflowColumn;
        private List<String> fieldsNotFound;
        private Long cellsTruncated;
        private Long rowsDegraded;

        private Builder() {
        }

        public Builder key(String value) {
            this.key = value;
            return this;
        }

        public Builder filename(String value) {
            this.filename = value;
            return this;
        }

        public Builder format(FileFormat value) {
            this.format = value;
            return this;
        }

        public Builder compression(Compression value) {
            this.compression = value;
            return this;
        }

        public Builder recordCount(long value) {
            this.recordCount = value;
            return this;
        }

        public Builder sizeBytes(long value) {
            this.sizeBytes = value;
            return this;
        }

        public Builder overflowColumn(String value) {
            this.overflowColumn = value;
            return this;
        }

        public Builder fieldsNotFound(List<String> value) {
            this.fieldsNotFound = value;
            return this;
        }

        public Builder cellsTruncated(Long value) {
            this.cellsTruncated = value;
            return this;
        }

        public Builder rowsDegraded(Long value) {
            this.rowsDegraded = value;
            return this;
        }

        public ExportedFile build() {
            return new ExportedFile(key, filename, format, compression, recordCount, sizeBytes, overflowColumn, fieldsNotFound,
                    cellsTruncated, rowsDegraded);
        }
    }
}
