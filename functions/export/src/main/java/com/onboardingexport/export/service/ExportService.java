package com.onboardingexport.export.service;

import com.onboardingexport.export.config.ExportConfig;
import com.onboardingexport.export.format.Compression;
import com.onboardingexport.export.format.ExportMetadata;
import com.onboardingexport.export.format.FileFormat;
import com.onboardingexport.export.format.TabularRows;
import com.onboardingexport.export.format.WriterInputs;
import com.onboardingexport.export.model.ExportRequest;
import com.onboardingexport.export.model.ExportResult;
import com.onboardingexport.export.model.ExportedFile;
import com.onboardingexport.export.model.Principal;
import com.onboardingexport.export.spool.ExportSpool;
import com.onboardingexport.export.spool.ResponseColumns;
import com.onboardingexport.export.store.BucketLayout;
import com.onboardingexport.export.store.ExportStorage;
import com.onboardingexport.export.store.ExportUpload;
import com.onboardingexport.export.strapi.CampaignAccess;
import com.onboardingexport.export.strapi.ResponseFilter;
import com.onboardingexport.export.strapi.ResponsePager;
import com.onboardingexport.shared.ApiException;
import com.onboardingexport.shared.Deadline;
import com.onboardingexport.shared.ErrorCode;
import com.onboardingexport.shared.JsonLog;
import com.onboardingexport.shared.StrapiClient;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.function.LongConsumer;
import java.util.zip.GZIPOutputStream;

/**
 * The export itself, whoever asked for it: decide what the principal may see, read it from
 * Strapi into a spool, write the file, store it, sign a link. Nothing is left in the bucket
 * when any step fails.
 */
public final class ExportService {
    private static final DateTimeFormatter FILE_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmm'Z'").withZone(ZoneOffset.UTC);
    private static final int OUTPUT_BUFFER_BYTES = 64 * 1024;

    /** What is known once the first page is in: the filter and Strapi's total. */
    public record Plan(Principal principal, ExportRequest request, ResponseFilter filter, ResponsePager.FirstPage firstPage) {
        public long total() {
            return firstPage.total();
        }
    }

    private final ExportConfig config;
    private final ResponsePager pager;
    private final CampaignAccess campaignAccess;
    private final ExportStorage storage;
    private final Clock clock;
    private final Path tempRoot;

    public ExportService(ExportConfig config, StrapiClient strapi, ExportStorage storage, Clock clock, Path tempRoot) {
        this.config = config;
        this.pager = new ResponsePager(strapi, config);
        this.campaignAccess = new CampaignAccess(strapi, config);
        this.storage = storage;
        this.clock = clock;
        this.tempRoot = tempRoot;
    }

    /** Checks access, then asks Strapi for the first page: 403 or 404 come from here. */
    public Plan plan(Principal principal, ExportRequest request, Deadline deadline) {
        String clientId;
        if ((principal.isScheduled() && principal.clientId().isEmpty()) || principal.role().equals(config.adminRole())) {
            clientId = ""; // every campaign
        } else if ((principal.isScheduled() || principal.role().equals(config.clientRole())) && !principal.clientId().isEmpty()) {
            // A client user, or a schedule for one client: the same server-side filter on that client.
            clientId = principal.clientId();
            campaignAccess.requireOwnCampaigns(request.campaignIds(), clientId, deadline);
        } else {
            throw new ApiException(ErrorCode.FORBIDDEN, "Your role may not export onboarding responses");
        }
        ResponseFilter filter = new ResponseFilter(request.campaignIds(), clientId, request.dateRange(), request.dateField());
        ResponsePager.FirstPage first = pager.firstPage(filter, deadline);
        if (first.total() == 0) {
            String campaigns = request.campaignIds().isEmpty()
                    ? "any campaign you may export" : "campaigns " + request.campaignIds();
            throw new ApiException(ErrorCode.NO_DATA,
                    "No onboarding responses for " + campaigns + " " + request.dateRange().description());
        }
        requireFits(request.format(), first.total());
        return new Plan(principal, request, filter, first);
    }

    /** A file of this format holds that many responses, or a 400 that says which format does. */
    static void requireFits(FileFormat format, long total) {
        if (total > format.maxRows()) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, String.format(Locale.ROOT,
                    "%,d responses match, more than an %s sheet holds (%,d rows and its header): ask for file_format csv,"
                            + " or narrow the date range or the campaigns", total, format.extension().toUpperCase(Locale.ROOT),
                    format.maxRows()));
        }
    }

    /** Reads every row, stores the file, and signs its link; a link that cannot be signed leaves no object. */
    public ExportResult run(Plan plan, String exportId, Instant requestedAt, Deadline deadline, LongConsumer progress) {
        ExportedFile file = store(plan, exportId, requestedAt, deadline, progress);
        try {
            return signed(exportId, file);
        } catch (RuntimeException e) {
            storage.deleteQuietly(file.key());
            throw e;
        }
    }

    /**
     * Reads every row, writes and stores the file. The file's name and key derive from the export
     * id and the time it was asked for, so a repeated background run overwrites the same object
     * instead of adding a second one.
     */
    public ExportedFile store(Plan plan, String exportId, Instant requestedAt, Deadline deadline, LongConsumer progress) {
        Instant now = requestedAt;
        FileFormat format = plan.request().format();
        ExportRequest request = plan.request();
        Compression compression = request.compression();
        String filename = "onboarding-export-" + FILE_TIME.format(now) + "-" + exportId.substring(0, 8) + "." + format.extension()
                + compression.suffix();
        String key = BucketLayout.exportFile(plan.principal(), exportId, filename);
        ResponseColumns columns = new ResponseColumns(request.fields(), config, format != FileFormat.JSON);
        try (ExportSpool spool = new ExportSpool(tempRoot, config, columns)) {
            pager.readAll(plan.filter(), plan.firstPage(), deadline, spool, progress);
            String overflowColumn = format != FileFormat.JSON && spool.columnsTruncated() ? TabularRows.OVERFLOW_COLUMN : null;
            List<String> fieldsNotFound = request.fields().isEmpty() ? null : spool.responseColumns().fieldsNotFound();
            // Straight from the spool into the bucket: the file is never whole on disk.
            try (ExportUpload upload = storage.open(key, compression.contentType(format), filename)) {
                OutputStream out = compression == Compression.GZIP
                        ? new GZIPOutputStream(upload, OUTPUT_BUFFER_BYTES) : new BufferedOutputStream(upload, OUTPUT_BUFFER_BYTES);
                long cellsTruncated = format.writer(new WriterInputs(config, request.csv(), metadata(exportId, now, plan.principal(), request)))
                        .write(spool, out);
                if (out instanceof GZIPOutputStream gzip) {
                    gzip.finish();
                }
                out.flush();
                upload.complete();
                JsonLog.info("export file stored", "rows", spool.rows(), "rows_degraded", spool.rowsDegraded(), "size_bytes", upload.size(),
                        "spooled_bytes", spool.spooledBytes());
                return ExportedFile.builder().key(key).filename(filename).format(format).compression(compression)
                        .recordCount(spool.rows()).sizeBytes(upload.size()).overflowColumn(overflowColumn).fieldsNotFound(fieldsNotFound)
                        .cellsTruncated(cellsTruncated == 0 ? null : cellsTruncated)
                        .rowsDegraded(spool.rowsDegraded() == 0 ? null : spool.rowsDegraded()).build();
            }
        } catch (IOException | UncheckedIOException e) {
            throw new ApiException(ErrorCode.INTERNAL, "The export file could not be written", e);
        }
    }

    /** A result with a freshly signed link to a file already stored. */
    public ExportResult signed(String exportId, ExportedFile file) {
        Instant expiresAt = clock.instant().plus(config.linkTtl()).truncatedTo(ChronoUnit.SECONDS);
        String url = storage.presignGet(file.key(), config.linkTtl()).toString();
        return new ExportResult(exportId, url, expiresAt, file);
    }

    /** Deletes a stored export whose run failed after writing it. */
    public void discard(String key) {
        storage.deleteQuietly(key);
    }

    /** The head of a JSON file: the export, when, who asked for it, and what. */
    public static ExportMetadata metadata(String exportId, Instant generatedAt, Principal principal, ExportRequest request) {
        return new ExportMetadata(exportId, generatedAt, request.campaignIds(),
                new ExportMetadata.Window(request.dateRangeText(), request.dateRange().start(), request.dateRange().end(),
                        request.zone().getId()),
                new ExportMetadata.RequestedBy(principal.scheduleName(), principal.userId(), principal.role(), principal.clientId()));
    }

    public static String newExportId() {
        return UUID.randomUUID().toString();
    }
}
