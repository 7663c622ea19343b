package com.onboardingexport.local.template;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.onboardingexport.local.template.CloudFormationYaml;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Read-only views of a SAM template in its JSON form (see {@link CloudFormationYaml}): resources by
 * type, function properties with {@code Globals} applied the way SAM applies them, routes.
 */
public final class SamTemplate {
    public static final String FUNCTION = "AWS::Serverless::Function";
    public static final String API = "AWS::Serverless::Api";
    public static final String LAYER = "AWS::Serverless::LayerVersion";

    private final JsonNode root;

    public SamTemplate(JsonNode root) {
        this.root = root;
    }

    public JsonNode json() {
        return root;
    }

    public JsonNode section(String name) {
        return root.path(name);
    }

    public Set<String> names(String section) {
        Set<String> names = new TreeSet<>();
        root.path(section).fieldNames().forEachRemaining(names::add);
        return names;
    }

    public JsonNode resource(String logicalId) {
        return root.path("Resources").path(logicalId);
    }

    public String type(String logicalId) {
        return resource(logicalId).path("Type").asText(null);
    }

    /** Logical ids of the resources of a type, in template order. */
    public List<String> resourcesOfType(String type) {
        List<String> ids = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.path("Resources").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            if (type.equals(entry.getValue().path("Type").asText())) {
                ids.add(entry.getKey());
            }
        }
        return ids;
    }

    /**
     * A function's properties with {@code Globals.Function} applied as SAM does: the function's own
     * value wins, maps (such as {@code Environment.Variables}) are merged, lists are concatenated
     * (globals first).
     */
    public ObjectNode functionProperties(String logicalId) {
        JsonNode globals = root.path("Globals").path("Function");
        JsonNode own = resource(logicalId).path("Properties");
        return (ObjectNode) merge(globals, own);
    }

    /** The effective environment variables of a function (Globals merged). */
    public Map<String, JsonNode> environment(String logicalId) {
        Map<String, JsonNode> env = new LinkedHashMap<>();
        functionProperties(logicalId).path("Environment").path("Variables").fields()
                .forEachRemaining(e -> env.put(e.getKey(), e.getValue()));
        return env;
    }

    /** Events of a function of the given event type ({@code Api}, {@code ScheduleV2}, ...), by event id. */
    public Map<String, JsonNode> events(String functionId, String eventType) {
        Map<String, JsonNode> events = new LinkedHashMap<>();
        resource(functionId).path("Properties").path("Events").fields().forEachRemaining(e -> {
            if (eventType.equals(e.getValue().path("Type").asText())) {
                events.put(e.getKey(), e.getValue().path("Properties"));
            }
        });
        return events;
    }

    /** Every API route of every function: "METHOD /path" to the function's logical id. */
    public Map<String, String> routes() {
        Map<String, String> routes = new LinkedHashMap<>();
        for (String function : resourcesOfType(FUNCTION)) {
            events(function, "Api").values().forEach(api ->
                    routes.put(api.path("Method").asText().toUpperCase() + " " + api.path("Path").asText(), function));
        }
        return routes;
    }

    private static JsonNode merge(JsonNode globals, JsonNode own) {
        if (globals.isMissingNode() || globals.isNull()) {
            return own.isMissingNode() ? JsonNodeFactory.instance.objectNode() : own.deepCopy();
        }
        if (own.isMissingNode() || own.isNull()) {
            return globals.deepCopy();
        }
        if (globals.isObject() && own.isObject() && !isIntrinsic(own)) {
            ObjectNode merged = ((ObjectNode) globals).deepCopy();
            own.fields().forEachRemaining(e -> merged.set(e.getKey(), merge(globals.path(e.getKey()), e.getValue())));
            return merged;
        }
        if (globals.isArray() && own.isArray()) {
            ArrayNode merged = ((ArrayNode) globals).deepCopy();
            merged.addAll(((ArrayNode) own).deepCopy());
            return merged;
        }
        return own.deepCopy();
    }

    /** Whether a node is an intrinsic function ({@code Ref}, {@code Condition}, {@code Fn::...}) rather than a plain value. */
    public static boolean isIntrinsic(JsonNode node) {
        if (!node.isObject() || node.size() != 1) {
            return false;
        }
        String key = node.fieldNames().next();
        return key.equals("Ref") || key.equals("Condition") || key.startsWith("Fn::");
    }
}
