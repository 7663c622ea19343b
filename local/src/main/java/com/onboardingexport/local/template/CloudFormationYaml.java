package com.onboardingexport.local.template;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.AbstractConstruct;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Reads a CloudFormation / SAM YAML template into the JSON form CloudFormation itself works on:
 * every short-form intrinsic ({@code !Ref X}, {@code !GetAtt A.B}, {@code !Sub ...}, ...) becomes
 * its long form ({@code {"Ref": "X"}}, {@code {"Fn::GetAtt": ["A", "B"]}}, {@code {"Fn::Sub": ...}}),
 * which is also how the SAM JSON schema describes them. Duplicate keys are refused, as
 * CloudFormation refuses them. Used by the local API and by the template checks.
 */
public final class CloudFormationYaml {
    /** Short tags whose long form is {@code Fn::<Name>}. */
    public static final List<String> FN_TAGS = List.of(
            "And", "Base64", "Cidr", "Equals", "FindInMap", "GetAtt", "GetAZs", "If", "ImportValue",
            "Join", "Length", "Not", "Or", "Select", "Split", "Sub", "ToJsonString", "Transform");

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private CloudFormationYaml() {
    }

    public static JsonNode read(Path file) throws IOException {
        return parse(Files.readString(file));
    }

    public static JsonNode parse(String yamlText) {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        Yaml yaml = new Yaml(new IntrinsicConstructor(options));
        Object document = yaml.load(yamlText);
        return MAPPER.valueToTree(document);
    }

    private static final class IntrinsicConstructor extends SafeConstructor {
        IntrinsicConstructor(LoaderOptions options) {
            super(options);
            yamlConstructors.put(new Tag("!Ref"), new Intrinsic("Ref"));
            yamlConstructors.put(new Tag("!Condition"), new Intrinsic("Condition"));
            for (String name : FN_TAGS) {
                yamlConstructors.put(new Tag("!" + name), new Intrinsic("Fn::" + name));
            }
        }

        private final class Intrinsic extends AbstractConstruct {
            private final String key;

            Intrinsic(String key) {
                this.key = key;
            }

            @Override
            public Object construct(Node node) {
                Object value = switch (node) {
                    case ScalarNode scalar -> constructScalar(scalar);
                    case SequenceNode sequence -> constructSequence(sequence);
                    case MappingNode mapping -> constructMapping(mapping);
                    default -> throw new IllegalArgumentException("Unsupported node for " + key + ": " + node);
                };
                if (key.equals("Fn::GetAtt") && value instanceof String dotted) {
                    // !GetAtt Resource.Attribute (the attribute may itself contain dots).
                    int dot = dotted.indexOf('.');
                    if (dot < 0) {
                        throw new IllegalArgumentException("!GetAtt needs Resource.Attribute, got " + dotted);
                    }
                    value = List.of(dotted.substring(0, dot), dotted.substring(dot + 1));
                }
                return Map.of(key, value);
            }
        }
    }
}
