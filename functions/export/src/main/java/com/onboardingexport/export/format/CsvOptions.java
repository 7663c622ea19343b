package com.onboardingexport.export.format;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.onboardingexport.shared.Json;
import java.util.List;

/**
 * The request's {@code csv} options: a UTF-8 byte-order mark first (so Excel reads UTF-8), and the
 * delimiter ({@code ,} {@code ;} or a tab). The default is plain RFC 4180: no mark, commas.
 */
public record CsvOptions(boolean bom, char delimiter) {
    public static final List<Character> DELIMITERS = List.of(',', ';', '\t');
    public static final CsvOptions DEFAULT = new CsvOptions(false, ',');
    /** EF BB BF: U+FEFF in UTF-8. */
    static final byte[] UTF8_BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};

    public CsvOptions {
        if (!DELIMITERS.contains(delimiter)) {
            throw new IllegalArgumentException("Not a CSV delimiter: " + (int) delimiter);
        }
    }

    public ObjectNode toJson() {
        return Json.MAPPER.createObjectNode().put("bom", bom).put("delimiter", String.valueOf(delimiter));
    }
}
