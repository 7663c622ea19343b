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

    /** A Strapi 5 entry is returned as is; a Strapi 4 entry is flattened, relations included. */
    public static JsonNode flat(JsonNode entry) {
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
            flat.set(field.getKey(), unwrapRelation(field.getValue()));
        }
        return flat;
    }

    private static JsonNode unwrapRelation(JsonNode value) {
        if (isRelation(value)) {
            JsonNode data = value.get("data");
            if (data.isNull()) {
                return data;
            }
            if (data.isArray()) {
                var array = Json.MAPPER.createArrayNode();
                data.forEach(item -> array.add(flat(item)));
                return array;
            }
            return flat(data);
        }
        return value;
    }

    /** {@code {data: null | {id, attributes} | [{id, attributes}...]}}; a JSON field may look alike, so check the inside. */
    private static boolean isRelation(JsonNode value) {
        if (value == null || !value.isObject() || value.size() != 1 || !value.has("data")) {
            return false;
        }
        JsonNode data = value.get("data");
        if (data.isNull()) {
            return true;
        }
        if (data.isArray()) {
            for (JsonNode item : data) {
                if (!item.has("attributes")) {
                    return false;
                }
            }
            return true;
        }
        return data.has("attributes");
    }
}
