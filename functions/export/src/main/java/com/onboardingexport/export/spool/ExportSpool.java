package com.onboardingexport.export.spool;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.onboardingexport.export.config.ExportConfig;
import com.onboardingexport.shared.ApiException;
import com.onboardingexport.shared.ErrorCode;
import com.onboardingexport.shared.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * Holds an export's rows between reading Strapi and writing the file: on disk (in /tmp), each row
 * once, compressed, reduced to what the file needs (the response's own fields; its campaign and
 * client are kept once per campaign, not on every row).
 *
 * <p>Every reader of Strapi writes its rows through its own {@link RowSink} (a
 * "segment": the first page is segment 0, each id range the next). A segment buffers its rows per
 * campaign and, when a buffer fills, deflates it into a block appended to the one spool file; an
 * index in memory says where each campaign's blocks are. Reading a campaign back reads its blocks
 * in segment order, which is id order, because segments are consecutive id ranges. So the file is
 * written campaign by campaign in id order, straight from the spool. The header (the union of the
 * rows' columns, chosen and ordered by {@link ResponseColumns}, whatever order the segments run in) is
 * gathered on the same pass, and each row is spooled as {@link ResponseColumns#select} reduces it.
 *
 * <p>Memory holds the campaigns, the column names (at most {@code MAX_CSV_COLUMNS}), a bounded
 * buffer per segment and a few bytes per block of about {@value #BLOCK_BYTES} bytes of rows: flat
 * in practice, whatever the row count. Disk holds the compressed rows, a fraction of the file; when
 * the temporary folder would not hold them, the export fails with {@code EXPORT_TOO_LARGE}.
 */
public final class ExportSpool implements Segments, AutoCloseable {
    /** The column that says what was wrong with a response that could not be read whole. */
    public static final String ROW_ERROR_COLUMN = "row_error";
    /** Rows of one campaign deflated together: big enough to compress well, small enough to buffer. */
    static final int BLOCK_BYTES = 128 * 1024;
    /**
     * Deflate's default level: a fifth smaller than its fastest on export rows (2.5 against 3.1 MB
     * for 40 414 rows), for CPU the readers have to spare while they wait on Strapi.
     */
    private static final int COMPRESSION_LEVEL = 6;
    /** What one segment may buffer across its campaigns before it writes its fullest buffer out. */
    private static final int SEGMENT_BUFFER_BYTES = 1024 * 1024;
    /** Free space the spool leaves in its folder: a block that would cut into it is refused. */
    private static final long FREE_SPACE_RESERVE = 4L * 1024 * 1024;
    private static final ObjectReader ROW_READER = Json.MAPPER.readerFor(JsonNode.class);

    /** One campaign of the export, with its client, as Strapi named them. */
    public static final class Campaign {
        public final String id;
        public final String name;
        public final String clientId;
        public final String clientName;
        /** Set once every segment is closed; see {@link #campaigns()}. */
        long rows;
        private final List<Block> blocks = new ArrayList<>();

        Campaign(String id, String name, String clientId, String clientName) {
            this.id = id;
            this.name = name;
            this.clientId = clientId;
            this.clientName = clientName;
        }

        /** The campaign's rows in the spool. */
        public long rows() {
            return rows;
        }
    }

    /** Where some rows of one campaign lie in the spool file. */
    private record Block(int segment, int sequence, long offset, int compressedLength, int length, int rows) {
    }

    private final Path dir;
    private final FileChannel file;
    private final FileStore store;
    private final ExportConfig config;
    private final Map<String, Campaign> campaigns = new ConcurrentHashMap<>();
    private final ResponseColumns columns;
    private final AtomicLong rows = new AtomicLong();
    private final AtomicLong degraded = new AtomicLong();
    private final AtomicLong end = new AtomicLong();

    public ExportSpool(Path tempRoot, ExportConfig config, ResponseColumns columns) throws IOException {
        this.dir = Files.createTempDirectory(tempRoot, "export-");
        Path path = dir.resolve("rows.spool");
        this.file = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
        this.store = Files.getFileStore(path);
        this.config = config;
        this.columns = columns;
    }

    /** A new segment; each is written by one thread, and closed before the spool is read. */
    @Override
    public Segment open(int index) {
        return new Segment(index);
    }

    public long rows() {
        return rows.get();
    }

    /** How many of the rows are degraded: their own fields replaced by {@value #ROW_ERROR_COLUMN}. */
    public long rowsDegraded() {
        return degraded.get();
    }

    /** The spool file's size: the compressed rows. */
    public long spooledBytes() {
        return end.get();
    }

    /**
     * The response columns of the file, in order, at most {@code MAX_CSV_COLUMNS} (see
     * {@link ResponseColumns}); known once every segment is closed.
     */
    public List<String> columns() {
        return columns.columns();
    }

    /** True when some row had a column that did not fit under {@code MAX_CSV_COLUMNS}. */
    public boolean columnsTruncated() {
        return columns.truncated();
    }

    /** Which columns the file holds, and which names asked for matched nothing. */
    public ResponseColumns responseColumns() {
        return columns;
    }

    /** Campaigns sorted by client name, campaign name, then id: a stable order for every format. */
    public List<Campaign> campaigns() {
        List<Campaign> sorted = new ArrayList<>(campaigns.values());
        for (Campaign campaign : sorted) {
            synchronized (campaign.blocks) {
                campaign.blocks.sort(Comparator.comparingInt(Block::segment).thenComparingInt(Block::sequence));
                campaign.rows = campaign.blocks.stream().mapToLong(Block::rows).sum();
            }
        }
        sorted.sort(Comparator.comparing((Campaign c) -> c.clientName)
                .thenComparing(c -> c.name)
                .thenComparing(c -> c.id));
        return sorted;
    }

    /** Reads a campaign's rows back in id order: the response's own fields, without its campaign. */
    public void forEachRow(Campaign campaign, Consumer<JsonNode> action) throws IOException {
        List<Block> blocks;
        synchronized (campaign.blocks) {
            blocks = List.copyOf(campaign.blocks);
        }
        Inflater inflater = new Inflater(true);
        try {
            byte[] compressed = new byte[0];
            byte[] rowBytes = new byte[0];
            for (Block block : blocks) {
                if (compressed.length < block.compressedLength()) {
                    compressed = new byte[block.compressedLength()];
                }
                readFully(ByteBuffer.wrap(compressed, 0, block.compressedLength()), block.offset());
                if (rowBytes.length < block.length()) {
                    rowBytes = new byte[block.length()];
                }
                inflater.reset();
                inflater.setInput(compressed, 0, block.compressedLength());
                int length = 0;
                while (length < block.length()) {
                    int inflated = inflater.inflate(rowBytes, length, block.length() - length);
                    if (inflated == 0 && (inflater.finished() || inflater.needsInput())) {
                        throw new IOException("A spool block is shorter than recorded");
                    }
                    length += inflated;
                }
                try (MappingIterator<JsonNode> rowsOfBlock = ROW_READER.readValues(rowBytes, 0, length)) {
                    while (rowsOfBlock.hasNext()) {
                        action.accept(rowsOfBlock.next());
                    }
                }
            }
        } catch (DataFormatException e) {
            throw new IOException("A spool block is corrupt", e);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        } finally {
            inflater.end();
        }
    }

    private void readFully(ByteBuffer buffer, long position) throws IOException {
        while (buffer.hasRemaining()) {
            if (file.read(buffer, position + buffer.position()) < 0) {
                throw new IOException("The spool file ended early");
            }
        }
    }

    /** Appends a block at the end of the file (positional writes, so segments never wait on each other). */
    private long append(byte[] bytes, int length) throws IOException {
        if (store.getUsableSpace() < length + FREE_SPACE_RESERVE) {
            throw tooLarge();
        }
        long offset = end.getAndAdd(length);
        ByteBuffer buffer = ByteBuffer.wrap(bytes, 0, length);
        try {
            while (buffer.hasRemaining()) {
                file.write(buffer, offset + buffer.position());
            }
        } catch (IOException e) {
            if (store.getUsableSpace() < length + FREE_SPACE_RESERVE) {
                throw tooLarge();
            }
            throw e;
        }
        return offset;
    }

    private static ApiException tooLarge() {
        return new ApiException(ErrorCode.EXPORT_TOO_LARGE,
                "The export is too large for the function's temporary storage; narrow the date range or the campaigns");
    }

    private Campaign campaign(JsonNode campaignNode) {
        String id = text(campaignNode.path(config.idField()));
        Campaign known = campaigns.get(id);
        if (known != null) {
            return known;
        }
        JsonNode client = campaignNode.path(config.clientField());
        return campaigns.computeIfAbsent(id, key -> new Campaign(key, text(campaignNode.path("name")),
                text(client.path(config.idField())), text(client.path("name"))));
    }

    private static String text(JsonNode node) {
        return node.isMissingNode() || node.isNull() ? "" : node.asText();
    }

    @Override
    public void close() throws IOException {
        try {
            file.close();
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }

    /** The rows one reader adds: buffered per campaign, deflated into blocks as buffers fill. */
    public final class Segment implements RowSink {
        private final int index;
        private final Map<Campaign, RowBuffer> buffers = new HashMap<>();
        private final Deflater deflater = new Deflater(COMPRESSION_LEVEL, true);
        private byte[] compressed = new byte[BLOCK_BYTES];
        private int buffered;
        private int sequence;

        private Segment(int index) {
            this.index = index;
        }

        @Override
        public void accept(JsonNode row) throws IOException {
            Campaign campaign = campaign(row.path(config.campaignField()));
            RowBuffer buffer = buffer(campaign);
            int before = buffer.bytes.size();
            // The response's own fields as the file needs them, written straight from the parsed page:
            // no copy of the row (select returns it as it is unless the request chose fields).
            JsonGenerator json = buffer.json;
            json.writeStartObject();
            Iterator<Map.Entry<String, JsonNode>> fields = columns.select((ObjectNode) row).fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> field = fields.next();
                if (field.getKey().equals(config.campaignField()) || !columns.spools(field.getKey())) {
                    continue;
                }
                json.writeFieldName(field.getKey());
                json.writeTree(field.getValue());
                Flattener.flatten(field.getKey(), field.getValue(), (column, value) -> columns.admit(column));
            }
            json.writeEndObject();
            added(campaign, buffer, before);
        }

        /**
         * A degraded row: the response's id and date fields, then {@value #ROW_ERROR_COLUMN}
         * with the problem; it adds no column of its own.
         */
        @Override
        public void degraded(JsonNode row, String problem) throws IOException {
            Campaign campaign = campaign(row.path(config.campaignField()));
            RowBuffer buffer = buffer(campaign);
            int before = buffer.bytes.size();
            JsonGenerator json = buffer.json;
            json.writeStartObject();
            for (String identity : new String[] {config.idField(), config.dateField()}) {
                JsonNode value = row.get(identity);
                if (value != null) {
                    json.writeFieldName(identity);
                    json.writeTree(value);
                }
            }
            json.writeStringField(ROW_ERROR_COLUMN, problem);
            json.writeEndObject();
            degraded.incrementAndGet();
            added(campaign, buffer, before);
        }

        private RowBuffer buffer(Campaign campaign) throws IOException {
            RowBuffer buffer = buffers.get(campaign);
            if (buffer == null) {
                buffer = new RowBuffer();
                buffers.put(campaign, buffer);
            }
            return buffer;
        }

        /** Counts the row just written to the buffer, and writes out a buffer that is full. */
        private void added(Campaign campaign, RowBuffer buffer, int before) throws IOException {
            buffer.json.flush();
            buffer.rows++;
            rows.incrementAndGet();
            buffered += buffer.bytes.size() - before;
            if (buffer.bytes.size() >= BLOCK_BYTES) {
                writeBlock(campaign, buffer);
            } else if (buffered >= SEGMENT_BUFFER_BYTES) {
                Map.Entry<Campaign, RowBuffer> fullest = null;
                for (Map.Entry<Campaign, RowBuffer> entry : buffers.entrySet()) {
                    if (fullest == null || entry.getValue().bytes.size() > fullest.getValue().bytes.size()) {
                        fullest = entry;
                    }
                }
                writeBlock(fullest.getKey(), fullest.getValue());
            }
        }

        private void writeBlock(Campaign campaign, RowBuffer buffer) throws IOException {
            if (buffer.rows == 0) {
                return;
            }
            byte[] bytes = buffer.bytes.toByteArray();
            deflater.reset();
            deflater.setInput(bytes);
            deflater.finish();
            int length = 0;
            while (!deflater.finished()) {
                if (length == compressed.length) {
                    compressed = Arrays.copyOf(compressed, compressed.length * 2);
                }
                length += deflater.deflate(compressed, length, compressed.length - length);
            }
            long offset = append(compressed, length);
            Block block = new Block(index, sequence++, offset, length, bytes.length, buffer.rows);
            synchronized (campaign.blocks) {
                campaign.blocks.add(block);
            }
            buffered -= bytes.length;
            buffer.bytes.reset();
            buffer.rows = 0;
        }

        /** Writes what is still buffered; the segment's rows are then all in the spool. */
        @Override
        public void close() throws IOException {
            try {
                // In a fixed order (by campaign id), so the spool's layout does not depend on hash order.
                List<Map.Entry<Campaign, RowBuffer>> left = new ArrayList<>(buffers.entrySet());
                left.sort(Comparator.comparing(entry -> entry.getKey().id));
                for (Map.Entry<Campaign, RowBuffer> entry : left) {
                    writeBlock(entry.getKey(), entry.getValue());
                }
            } finally {
                buffers.clear();
                deflater.end();
            }
        }
    }

    /** One campaign's rows in a segment, not yet deflated: JSON objects one after another. */
    private static final class RowBuffer {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream(16 * 1024);
        final JsonGenerator json;
        int rows;

        RowBuffer() throws IOException {
            json = Json.MAPPER.getFactory().createGenerator(bytes, JsonEncoding.UTF8);
        }
    }
}
