package com.onboardingexport.export.strapi;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.onboardingexport.shared.ApiException;
import com.onboardingexport.shared.ErrorCode;
import com.onboardingexport.shared.Json;
import com.onboardingexport.shared.JsonLog;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A page of responses read from Strapi's body as a stream, entry by entry, so that one response
 * cannot make the page unreadable. Each field of a response is read within the bounds below; a
 * field that breaks one is skipped to its end on the token stream (never held whole), and its
 * response comes back with {@link Entry#problem} saying what was wrong (never what it held). The
 * response's other fields (its id, date, campaign and client among them) are read as usual.
 *
 * <p>The bounds, per response: a field nested at most {@value #MAX_DEPTH} objects or arrays deep,
 * keys of at most {@value #MAX_KEY_CHARS} characters, texts of at most {@value #MAX_TEXT_CHARS}
 * characters, and at most {@value #MAX_FIELD_BYTES} bytes of JSON per field (so a response's few
 * fields bound its memory). The parser's own limits are set far above them (Jackson's defaults,
 * 1,000 levels and 50,000-character names, would fail the whole page first); past those (nesting over {@value #PARSER_MAX_DEPTH} levels, one text or
 * key over {@value #PARSER_MAX_CHARS} characters: more than Strapi serves), or where the body is not
 * JSON, the page cannot be read: {@link Unreadable}, which {@link ResponsePager} re-reads entry by entry.
 */
public final class ResponsePage {
    static final int MAX_DEPTH = 64;
    static final int MAX_KEY_CHARS = 1_000;
    static final int MAX_TEXT_CHARS = 1_000_000;
    static final long MAX_FIELD_BYTES = 16L << 20;
    static final int PARSER_MAX_DEPTH = 100_000;
    static final int PARSER_MAX_CHARS = 20_000_000;

    /** The parser's limits: its outer fence only, the bounds above are checked first. */
    private static final StreamReadConstraints PARSER_LIMITS = StreamReadConstraints.builder()
            .maxNestingDepth(PARSER_MAX_DEPTH)
            .maxNameLength(PARSER_MAX_CHARS)
            .maxStringLength(PARSER_MAX_CHARS)
            .build();
    private static final JsonNodeFactory NODES = Json.MAPPER.getNodeFactory();

    /** A page the parser cannot read to its end: not JSON, or past the parser's own limits. */
    static final class Unreadable extends ApiException {
        Unreadable(Throwable cause) {
            super(ErrorCode.UPSTREAM_ERROR, "Strapi answered a page that is not JSON", cause);
        }
    }

    /** One entry of {@code data} as Strapi sent it, less the fields that broke a bound; {@code problem} null when none did. */
    public record Entry(ObjectNode fields, String problem) {
    }

    private final List<Entry> entries;
    private final JsonNode meta;

    private ResponsePage(List<Entry> entries, JsonNode meta) {
        this.entries = entries;
        this.meta = meta;
    }

    public List<Entry> entries() {
        return entries;
    }

    /** {@code meta} (pagination), or a missing node. */
    JsonNode meta() {
        return meta;
    }

    /** Reads {@code {"data": [...], "meta": {...}}}; anything else there is skipped. */
    public static ResponsePage read(InputStream body, String path) throws IOException {
        // A factory per page: the names a page's parser learns (a 60,000-character key among them) go
        // with it, instead of staying in a shared factory's table for the container's life.
        JsonFactory factory = JsonFactory.builder().streamReadConstraints(PARSER_LIMITS).build();
        try (JsonParser parser = factory.createParser(body)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw notAPage(path);
            }
            List<Entry> entries = null;
            JsonNode meta = NODES.missingNode();
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                if ("data".equals(name) && value == JsonToken.START_ARRAY) {
                    entries = new ArrayList<>();
                    while (parser.nextToken() == JsonToken.START_OBJECT) {
                        entries.add(new EntryReader(parser).read());
                    }
                    if (parser.currentToken() != JsonToken.END_ARRAY) {
                        throw notAPage(path);
                    }
                } else if ("meta".equals(name) && value == JsonToken.START_OBJECT) {
                    meta = Json.MAPPER.readTree(parser);
                } else {
                    parser.skipChildren();
                }
            }
            if (entries == null) {
                throw new ApiException(ErrorCode.UPSTREAM_ERROR, "Strapi answered a page without data");
            }
            return new ResponsePage(entries, meta);
        } catch (JsonProcessingException e) {
            JsonLog.warn("strapi answered a page that cannot be read", "path", path, "reason", e.getOriginalMessage());
            throw new Unreadable(e);
        }
    }

    private static ApiException notAPage(String path) {
        JsonLog.warn("strapi answered something that is not a page", "path", path);
        return new ApiException(ErrorCode.UPSTREAM_ERROR, "Strapi answered something that is not a page of entries");
    }

    /** A field's value broke a bound; says which, never what the value held. */
    private static final class Breach extends Exception {
        Breach(String what) {
            super(what, null, false, false);
        }
    }

    /** Reads one entry, its parser at the entry's START_OBJECT; leaves it at the entry's END_OBJECT. */
    private static final class EntryReader {
        private final JsonParser parser;
        private final Set<String> problems = new LinkedHashSet<>();
        /** Where the field being read starts in the body. */
        private long fieldStart;
        /** Objects and arrays open under the field being read: what to close when it is skipped. */
        private int open;

        EntryReader(JsonParser parser) {
            this.parser = parser;
        }

        Entry read() throws IOException {
            ObjectNode entry = fields(null);
            return new Entry(entry, problems.isEmpty() ? null : String.join("; ", problems));
        }

        /**
         * The fields of the object the parser is in, each read within the bounds; a Strapi 4 entry's
         * {@code attributes} are read the same way, field by field.
         */
        private ObjectNode fields(String within) throws IOException {
            ObjectNode object = NODES.objectNode();
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                JsonToken token = parser.nextToken();
                if (name.length() > MAX_KEY_CHARS) {
                    problems.add(String.format(Locale.ROOT, "a field name longer than %,d characters", MAX_KEY_CHARS));
                    parser.skipChildren();
                    continue;
                }
                if (within == null && "attributes".equals(name) && token == JsonToken.START_OBJECT) {
                    object.set(name, fields(name));
                    continue;
                }
                open = 0;
                fieldStart = parser.currentTokenLocation().getByteOffset();
                try {
                    object.set(name, value(token, 1));
                } catch (Breach breach) {
                    problems.add(name + ": " + breach.getMessage());
                    skipOpen();
                }
            }
            return object;
        }

        /** The value at {@code token}, which lies {@code depth} objects or arrays deep in the field once opened. */
        private JsonNode value(JsonToken token, int depth) throws IOException, Breach {
            switch (token) {
                case START_OBJECT -> {
                    open++;
                    requireDepth(depth);
                    ObjectNode object = NODES.objectNode();
                    while (parser.nextToken() == JsonToken.FIELD_NAME) {
                        if (parser.currentName().length() > MAX_KEY_CHARS) {
                            throw new Breach(String.format(Locale.ROOT, "a key longer than %,d characters", MAX_KEY_CHARS));
                        }
                        String key = parser.currentName();
                        object.set(key, value(parser.nextToken(), depth + 1));
                    }
                    open--;
                    return object;
                }
                case START_ARRAY -> {
                    open++;
                    requireDepth(depth);
                    ArrayNode array = NODES.arrayNode();
                    JsonToken next;
                    while ((next = parser.nextToken()) != JsonToken.END_ARRAY) {
                        array.add(value(next, depth + 1));
                    }
                    open--;
                    return array;
                }
                case VALUE_STRING -> {
                    requireSize();
                    if (parser.getTextLength() > MAX_TEXT_CHARS) {
                        throw new Breach(String.format(Locale.ROOT, "a text longer than %,d characters", MAX_TEXT_CHARS));
                    }
                    return NODES.textNode(parser.getText());
                }
                case VALUE_NUMBER_INT -> {
                    // As Jackson's tree reader makes them (no BigInteger or long where an int holds it).
                    return switch (parser.getNumberType()) {
                        case INT -> NODES.numberNode(parser.getIntValue());
                        case LONG -> NODES.numberNode(parser.getLongValue());
                        default -> NODES.numberNode(parser.getBigIntegerValue());
                    };
                }
                case VALUE_NUMBER_FLOAT -> {
                    return parser.getNumberType() == JsonParser.NumberType.BIG_DECIMAL
                            ? NODES.numberNode(parser.getDecimalValue()) : NODES.numberNode(parser.getDoubleValue());
                }
                case VALUE_TRUE, VALUE_FALSE -> {
                    return NODES.booleanNode(token == JsonToken.VALUE_TRUE);
                }
                case VALUE_NULL -> {
                    return NODES.nullNode();
                }
                default -> throw new JsonParseException(parser, "unexpected " + token);
            }
        }

        private void requireDepth(int depth) throws Breach {
            if (depth > MAX_DEPTH) {
                throw new Breach(String.format(Locale.ROOT, "nested deeper than %,d levels", MAX_DEPTH));
            }
            requireSize();
        }

        private void requireSize() throws Breach {
            if (parser.currentTokenLocation().getByteOffset() - fieldStart > MAX_FIELD_BYTES) {
                throw new Breach(String.format(Locale.ROOT, "larger than %d MiB", MAX_FIELD_BYTES >> 20));
            }
        }

        /** Skips to the end of the field whose value broke a bound: strings are passed over, never decoded. */
        private void skipOpen() throws IOException {
            while (open > 0) {
                JsonToken token = parser.nextToken();
                if (token == null) {
                    throw new JsonParseException(parser, "the page ends inside an entry");
                }
                if (token.isStructStart()) {
                    open++;
                } else if (token.isStructEnd()) {
                    open--;
                }
            }
        }
    }
}
