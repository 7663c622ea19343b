package com.onboardingexport.it.template;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.onboardingexport.local.template.SamTemplate;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The AWS SDK's endpoint variables ({@code AWS_ENDPOINT_URL}, {@code AWS_ENDPOINT_URL_<SERVICE>}) that
 * template.yaml declares for {@code sam local} only, so that its {@code --env-vars} file may set them
 * (SAM sets no variable the template does not declare). The SDK reads them, not our configuration, so
 * the checks of what the code reads allow them in exactly this form, which a deploy never sets:
 * {@code !If [IsSamLocal, <placeholder>, !Ref AWS::NoValue]}, where the condition is
 * {@code !Equals [!Ref SamLocal, "true"]} and the parameter SamLocal is "true" or "false", "false" by default.
 */
public final class SamLocalVariables {
    private static final Pattern SDK_ENDPOINT = Pattern.compile("AWS_ENDPOINT_URL(_[A-Z0-9_]+)?");
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private SamLocalVariables() {
    }

    public static boolean isSdkEndpoint(String name) {
        return SDK_ENDPOINT.matcher(name).matches();
    }

    /** An SDK endpoint variable declared for {@code sam local} only. */
    public static boolean declaredForSamLocalOnly(SamTemplate template, String name, JsonNode value) {
        JsonNode branches = value.path("Fn::If");
        return isSdkEndpoint(name) && branches.isArray() && branches.size() == 3
                && isSamLocalCondition(template, branches.get(0).asText())
                && JSON.objectNode().put("Ref", "AWS::NoValue").equals(branches.get(2));
    }

    /** The function's SDK endpoint variables declared for {@code sam local} only. */
    public static Set<String> of(SamTemplate template, String functionId) {
        Set<String> names = new TreeSet<>();
        template.environment(functionId).forEach((name, value) -> {
            if (declaredForSamLocalOnly(template, name, value)) {
                names.add(name);
            }
        });
        return names;
    }

    private static boolean isSamLocalCondition(SamTemplate template, String condition) {
        JsonNode parameter = template.section("Parameters").path("SamLocal");
        ObjectNode samLocal = JSON.objectNode().put("Ref", "SamLocal");
        JsonNode equals = template.section("Conditions").path(condition);
        return "false".equals(parameter.path("Default").asText())
                && JSON.arrayNode().add("true").add("false").equals(parameter.path("AllowedValues"))
                && (JSON.objectNode().set("Fn::Equals", JSON.arrayNode().add(samLocal).add("true")).equals(equals)
                    || JSON.objectNode().set("Fn::Equals", JSON.arrayNode().add("true").add(samLocal)).equals(equals));
    }
}
