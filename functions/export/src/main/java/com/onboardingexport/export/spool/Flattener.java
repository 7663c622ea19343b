package com.onboardingexport.export.spool;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * Flattens nested JSON into dotted column names: objects by key ({@code answers.company.size}),
 * arrays by index ({@code answers.goals.0}). Leaves (text, numbers, booleans, null) are handed
 * over as they are; empty objects and arrays yield no column.
 */
public final class Flattener {
    private Flattener() {
    }

    public static void flatten(String prefix, JsonNode node, BiConsumer<String, JsonNode> leaf) {
        if (node.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> field = fields.next();
                flatten(prefix.isEmpty() ? field.getKey() : prefix + "." + field.getKey(), field.getValue(), leaf);
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                flatten(prefix + "." + i, node.get(i), leaf);
            }
        } else {
            leaf.accept(prefix, node);
        }
    }
}
