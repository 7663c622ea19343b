package com.onboardingexport.export.spool;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.onboardingexport.export.config.ExportConfig;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Decides which flattened columns of a response's own fields a file holds, and in what order.
 *
 * <ul>
 * <li>Without {@code fields}: every column except those the leading columns already hold (the id
 * field, {@code documentId} on Strapi 5, is {@code response_id}; the date field is
 * {@code submitted_at}) and Strapi's bookkeeping ({@link #BOOKKEEPING}).</li>
 * <li>With {@code fields}: the columns under the names asked for ({@code answers.company} keeps
 * {@code answers.company.size}, {@code answers.company.name}…), in the order asked; any name may be
 * asked for, bookkeeping included.</li>
 * <li>Within one name asked for (or among all columns, without {@code fields}), columns are sorted by
 * path, part by part, array indexes as numbers ({@code answers.goals.2} before
 * {@code answers.goals.10}) and before names. The order depends on the columns only, never on the
 * order rows arrive in, so two exports of the same data have the same header.</li>
 * <li>At most {@code MAX_CSV_COLUMNS}: the first ones in that order, whatever order they were seen
 * in; memory holds those names only, however many distinct columns the rows have.</li>
 * </ul>
 * Safe for several threads: {@link #select} only reads, {@link #admit} is guarded.
 */
public final class ResponseColumns {
    /** Strapi's own fields on every entry: columns only when {@code fields} asks for them. */
    static final Set<String> BOOKKEEPING = Set.of("id", "documentId", "createdAt", "updatedAt", "publishedAt", "locale");

    /** Path order: part by part; numbers (array indexes) before names, numbers by value. */
    static final Comparator<String> PATH_ORDER = ResponseColumns::comparePaths;

    private record Column(int rank, String path) {
    }

    private static final Comparator<Column> ORDER = Comparator.comparingInt(Column::rank).thenComparing(Column::path, PATH_ORDER);

    private final List<String> fields;
    private final Map<String, Integer> rankOf = new HashMap<>();
    private final String idField;
    private final String dateField;
    private final int maxColumns;
    /** The columns kept, in file order; their names again for a lock-free look-up. */
    private final TreeSet<Column> kept = new TreeSet<>(ORDER);
    private final Set<String> keptNames = ConcurrentHashMap.newKeySet();
    private final boolean[] matched;
    private boolean truncated;

    /** For a file of columns (CSV, XLSX) when true; for JSON, which keeps whole responses, when false. */
    private final boolean columnsOnly;

    /** For a JSON file, or a test of the columns alone. */
    public ResponseColumns(List<String> fields, ExportConfig config) {
        this(fields, config, false);
    }

    /**
     * @param fields the names asked for, in order, each once; empty for the default columns
     * @param columnsOnly true for a file made of columns (CSV, XLSX): it needs no field that makes no column
     */
    public ResponseColumns(List<String> fields, ExportConfig config, boolean columnsOnly) {
        this.columnsOnly = columnsOnly;
        this.fields = List.copyOf(fields);
        for (int i = 0; i < this.fields.size(); i++) {
            rankOf.putIfAbsent(this.fields.get(i), i);
        }
        this.idField = config.idField();
        this.dateField = config.dateField();
        this.maxColumns = config.maxCsvColumns();
        this.matched = new boolean[this.fields.size()];
    }

    /**
     * What a response's own fields become in the file: unchanged without {@code fields}; else only
     * the fields asked for, after the response's identity (its id and date fields), which every
     * format needs. A path that runs into an array keeps the whole array. Shares nodes with
     * {@code own}; never changes it.
     */
    public ObjectNode select(ObjectNode own) {
        if (fields.isEmpty()) {
            return own;
        }
        ObjectNode selected = own.objectNode();
        for (String identity : new String[] {idField, dateField}) {
            JsonNode value = own.get(identity);
            if (value != null) {
                selected.set(identity, value);
            }
        }
        for (String field : fields) {
            copyPath(own, selected, field.split("\\."), 0);
        }
        return selected;
    }

    /** Copies what lies at the path, creating only the objects on the way that end up holding something. */
    private static void copyPath(JsonNode from, ObjectNode to, String[] path, int at) {
        JsonNode child = from.get(path[at]);
        if (child == null) {
            return;
        }
        if (at == path.length - 1 || child.isArray()) {
            to.set(path[at], child);
            return;
        }
        JsonNode existing = to.get(path[at]);
        if (!child.isObject() || existing == child) {
            return; // a leaf has nothing under it; an object already copied whole holds the path
        }
        ObjectNode next = existing instanceof ObjectNode object ? object : to.objectNode();
        copyPath(child, next, path, at + 1);
        if (existing == null && !next.isEmpty()) {
            to.set(path[at], next);
        }
    }

    /**
     * True when the file needs this top-level field of a selected response: every field for JSON;
     * for a file of columns without {@code fields}, not Strapi's bookkeeping, which makes no column
     * (the id and date fields make the leading columns). So the spool holds only what the file needs.
     */
    public boolean spools(String field) {
        return !columnsOnly || !fields.isEmpty() || field.equals(idField) || field.equals(dateField) || !BOOKKEEPING.contains(field);
    }

    /** True when a flattened column of the response's own fields belongs in the file. */
    public boolean wanted(String column) {
        return rank(column) >= 0;
    }

    /** Counts a column seen in a row: kept if wanted and among the first {@code MAX_CSV_COLUMNS} in file order. */
    public void admit(String column) {
        if (keptNames.contains(column)) {
            return;
        }
        int rank = rank(column);
        if (rank < 0) {
            return;
        }
        synchronized (this) {
            if (keptNames.contains(column)) {
                return;
            }
            markMatched(column);
            Column candidate = new Column(rank, column);
            if (kept.size() < maxColumns) {
                keep(candidate);
                return;
            }
            truncated = true;
            if (ORDER.compare(candidate, kept.last()) < 0) {
                keptNames.remove(kept.pollLast().path());
                keep(candidate);
            }
        }
    }

    private void keep(Column column) {
        kept.add(column);
        keptNames.add(column.path());
    }

    /** The response columns of the file, in order. */
    public synchronized List<String> columns() {
        List<String> names = new ArrayList<>(kept.size());
        kept.forEach(column -> names.add(column.path()));
        return names;
    }

    /** True when more columns were wanted than {@code MAX_CSV_COLUMNS}. */
    public synchronized boolean truncated() {
        return truncated;
    }

    /** The names asked for that no row had a value under, in the order asked; empty without {@code fields}. */
    public synchronized List<String> fieldsNotFound() {
        List<String> notFound = new ArrayList<>();
        for (int i = 0; i < fields.size(); i++) {
            if (!matched[i]) {
                notFound.add(fields.get(i));
            }
        }
        return notFound;
    }

    /** The first name asked for that holds the column (the column itself or a dotted prefix of it); -1 if none. */
    private int rank(String column) {
        if (fields.isEmpty()) {
            int dot = column.indexOf('.');
            String top = dot < 0 ? column : column.substring(0, dot);
            return top.equals(idField) || top.equals(dateField) || BOOKKEEPING.contains(top) ? -1 : 0;
        }
        int rank = -1;
        for (int end = column.indexOf('.'); ; end = column.indexOf('.', end + 1)) {
            Integer at = rankOf.get(end < 0 ? column : column.substring(0, end));
            if (at != null && (rank < 0 || at < rank)) {
                rank = at;
            }
            if (end < 0) {
                return rank;
            }
        }
    }

    private void markMatched(String column) {
        for (int end = column.indexOf('.'); ; end = column.indexOf('.', end + 1)) {
            Integer at = rankOf.get(end < 0 ? column : column.substring(0, end));
            if (at != null) {
                matched[at] = true;
            }
            if (end < 0) {
                return;
            }
        }
    }

    static int comparePaths(String a, String b) {
        String[] left = a.split("\\.", -1);
        String[] right = b.split("\\.", -1);
        for (int i = 0; i < Math.min(left.length, right.length); i++) {
            int order = compareParts(left[i], right[i]);
            if (order != 0) {
                return order;
            }
        }
        return Integer.compare(left.length, right.length);
    }

    private static int compareParts(String a, String b) {
        boolean numberA = isNumber(a);
        boolean numberB = isNumber(b);
        if (numberA && numberB) {
            String digitsA = a.replaceFirst("^0+(?=.)", "");
            String digitsB = b.replaceFirst("^0+(?=.)", "");
            int order = digitsA.length() != digitsB.length()
                    ? Integer.compare(digitsA.length(), digitsB.length()) : digitsA.compareTo(digitsB);
            return order != 0 ? order : a.compareTo(b);
        }
        if (numberA != numberB) {
            return numberA ? -1 : 1;
        }
        return a.compareTo(b);
    }

    private static boolean isNumber(String part) {
        if (part.isEmpty()) {
            return false;
        }
        for (int i = 0; i < part.length(); i++) {
            if (part.charAt(i) < '0' || part.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }
}
