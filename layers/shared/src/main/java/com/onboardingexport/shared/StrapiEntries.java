package com.onboardingexport.shared;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Map;

/**
 * Reads entries the way Strapi 5 returns them (flat, with documentId) and turns Strapi 4's
 * {@code {id, attributes: {...}}} and relation {@code {data: {...}}} wrappers into the same flat shape.
 */
public final class StrapiEntries {
    private StrapiEntries() {
    }

    /**
     * Which attributes of an entry are relations, each with the relations of the entries it holds.
     * Only these are unwrapped: a JSON attribute (free-form answers) may hold {@code {"data": ...}}
     * too, and must be exported as stored.
     */
    public record Relations(Map<String, Relations> byField) {
        public static final Relations NONE = new Relations(Map.of());

        public Relations {
            byField = Map.copyOf(byField);
        }

        public static Relations of(String field) {
            return of(field, NONE);
        }

        public static Relations of(String field, Relations inside) {
            return new Relations(Map.of(field, inside));
        }
    }

    /** A Strapi 5 entry is returned as is; a Strapi 4 entry is flattened, the given relations unwrapped. */
    public static JsonNode flat(JsonNode entry, Relations relations) {
        if (entry == null || !entry.isObject() || !entry.has("attributes")) {
            return entry;
        }
        ObjectNode flat = Json.MAPPER.createObjectNode();
        if (entry.has("id")) {
            flat.set("id", entry.get("id"));
        }
        Iterator<Map.Entry<String, JsonNode>> fields = entry.get("attributes").fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            Relations inside = relations.byField().get(field.getKey());
            flat.set(field.getKey(), inside == null ? field.getValue() : unwrapRelation(field.getValue(), inside));
        }
        return flat;
    }

    /** {@code {data: null | {id, attributes} | [{id, attributes}...]}} to null, a flat entry or an array of them. */
    private static JsonNode unwrapRelation(JsonNode value, Relations inside) {
        if (value == null || !value.isObject() || !value.has("data")) {
            return value;
        }
        JsonNode data = value.get("data");
        if (data.isArray()) {
            var array = Json.MAPPER.createArrayNode();
            data.forEach(item -> array.add(flat(item, inside)));
            return array;
        }
        return data.isNull() ? data : flat(data, inside);
    }
}
