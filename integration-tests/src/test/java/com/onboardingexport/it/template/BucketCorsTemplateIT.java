package com.onboardingexport.it.template;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.onboardingexport.local.services.LocalS3;
import com.onboardingexport.local.template.CloudFormationYaml;
import com.onboardingexport.local.template.SamTemplate;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The export bucket's CORS rule, as CloudFormation makes it from the CorsAllowedOrigins parameter:
 * the template's intrinsic functions (If on its Conditions, Split, Ref) evaluated for a value.
 */
class BucketCorsTemplateIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static SamTemplate template;

    @BeforeAll
    static void load() throws IOException {
        template = new SamTemplate(CloudFormationYaml.read(TemplateIT.projectRoot().resolve("template.yaml")));
    }

    @Test
    @DisplayName("Bucket CORS with two origins: exactly those origins may GET or HEAD a download and read its length, type, disposition and ETag")
    void twoOrigins() throws IOException {
        assertEquals(Optional.of(JSON.readTree("""
                        {"CorsRules": [{
                          "AllowedOrigins": ["https://app.example.com", "https://admin.example.com:8443"],
                          "AllowedMethods": ["GET", "HEAD"],
                          "ExposedHeaders": ["Content-Length", "Content-Type", "Content-Disposition", "ETag"]}]}""")),
                bucketCors("https://app.example.com,https://admin.example.com:8443"));
    }

    @Test
    @DisplayName("Bucket CORS with one origin: a rule for that origin only")
    void oneOrigin() throws IOException {
        assertEquals(Optional.of(JSON.readTree("""
                        {"CorsRules": [{
                          "AllowedOrigins": ["http://localhost:5173"],
                          "AllowedMethods": ["GET", "HEAD"],
                          "ExposedHeaders": ["Content-Length", "Content-Type", "Content-Disposition", "ETag"]}]}""")),
                bucketCors("http://localhost:5173"));
    }

    @Test
    @DisplayName("Bucket CORS with no origin (the parameter's default): no CORS configuration at all")
    void noOrigin() {
        assertEquals("", template.section("Parameters").path("CorsAllowedOrigins").path("Default").asText("missing"));
        assertEquals(Optional.empty(), bucketCors(""));
    }

    @Test
    @DisplayName("The local run's S3 answers the same rule: its methods and exposed headers are the template's")
    void localRunSameRule() {
        JsonNode rule = bucketCors("http://localhost:5173").orElseThrow().path("CorsRules").path(0);
        assertEquals(LocalS3.CORS_METHODS, texts(rule.path("AllowedMethods")));
        assertEquals(LocalS3.CORS_EXPOSED_HEADERS, texts(rule.path("ExposedHeaders")));
    }

    /** ExportBucket's CorsConfiguration as deployed with this parameter value; empty when CloudFormation leaves it out. */
    private static Optional<JsonNode> bucketCors(String corsAllowedOrigins) {
        JsonNode bucket = template.resource("ExportBucket");
        assertEquals("AWS::S3::Bucket", bucket.path("Type").asText());
        JsonNode spec = bucket.path("Properties").path("CorsConfiguration");
        if (spec.isMissingNode()) {
            return Optional.empty();
        }
        return Optional.ofNullable(evaluate(spec, Map.of("CorsAllowedOrigins", corsAllowedOrigins)));
    }

    /** The value CloudFormation gives a node: null for AWS::NoValue (the property is left out). */
    private static JsonNode evaluate(JsonNode node, Map<String, String> parameters) {
        if (SamTemplate.isIntrinsic(node)) {
            String fn = node.fieldNames().next();
            JsonNode arg = node.get(fn);
            return switch (fn) {
                case "Ref" -> arg.asText().equals("AWS::NoValue") ? null : JsonNodeFactory.instance.textNode(parameter(arg.asText(), parameters));
                case "Fn::If" -> evaluate(arg.get(condition(template.section("Conditions").path(arg.get(0).asText()), parameters) ? 1 : 2), parameters);
                case "Fn::Split" -> {
                    ArrayNode parts = JsonNodeFactory.instance.arrayNode();
                    for (String part : evaluate(arg.get(1), parameters).asText().split(Pattern.quote(arg.get(0).asText()), -1)) {
                        parts.add(part);
                    }
                    yield parts;
                }
                default -> throw new AssertionError("the bucket's CORS uses " + fn + ", which this test does not evaluate");
            };
        }
        if (node.isObject()) {
            ObjectNode out = JsonNodeFactory.instance.objectNode();
            node.fields().forEachRemaining(e -> {
                JsonNode value = evaluate(e.getValue(), parameters);
                if (value != null) {
                    out.set(e.getKey(), value);
                }
            });
            return out;
        }
        if (node.isArray()) {
            ArrayNode out = JsonNodeFactory.instance.arrayNode();
            node.forEach(item -> {
                JsonNode value = evaluate(item, parameters);
                if (value != null) {
                    out.add(value);
                }
            });
            return out;
        }
        return node;
    }

    private static boolean condition(JsonNode spec, Map<String, String> parameters) {
        if (spec.has("Fn::Not")) {
            return !condition(spec.get("Fn::Not").get(0), parameters);
        }
        if (spec.has("Fn::Equals")) {
            return evaluate(spec.get("Fn::Equals").get(0), parameters).equals(evaluate(spec.get("Fn::Equals").get(1), parameters));
        }
        if (spec.has("Condition")) {
            return condition(template.section("Conditions").path(spec.get("Condition").asText()), parameters);
        }
        throw new AssertionError("the bucket's CORS depends on a condition this test does not evaluate: " + spec);
    }

    private static List<String> texts(JsonNode array) {
        List<String> texts = new ArrayList<>();
        array.forEach(item -> texts.add(item.asText()));
        return texts;
    }

    private static String parameter(String name, Map<String, String> parameters) {
        if (!parameters.containsKey(name)) {
            throw new AssertionError("the bucket's CORS depends on parameter " + name + ", not only on CorsAllowedOrigins");
        }
        return parameters.get(name);
    }
}
