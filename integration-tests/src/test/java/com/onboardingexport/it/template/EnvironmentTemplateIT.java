package com.onboardingexport.it.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.onboardingexport.export.config.ExportConfig;
import com.onboardingexport.local.template.CloudFormationYaml;
import com.onboardingexport.local.template.SamTemplate;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Each function's {@code Environment} in template.yaml against the variables its code reads. What the
 * code reads is not a list kept here: each handler's configuration is built on an environment that
 * records every name asked for ({@link ConfigurationReads}). A variable that one function gets from
 * a parameter and another function running the same configuration code leaves to the code's default
 * is the kind of bug where the worker counted 2 places while the API function handed out 3. The AWS
 * SDK's endpoint variables are allowed only as {@code sam local} declares them ({@link SamLocalVariables}),
 * never on a deploy.
 */
class EnvironmentTemplateIT {
    /**
     * Read outside any configuration: the JVM reads JAVA_TOOL_OPTIONS at start; the layer's logging and
     * metrics (JsonLog, LambdaMetrics) read POWERTOOLS_SERVICE_NAME once, for every line and metric.
     */
    private static final Set<String> READ_BY_THE_JVM = Set.of("JAVA_TOOL_OPTIONS", "POWERTOOLS_SERVICE_NAME");

    /**
     * Variables that the export configuration reads in each of its functions but that not all of
     * them use, each with the reason; every other shared variable must be set alike in all.
     */
    private static final Map<String, String> USED_BY_ONE_FUNCTION = Map.of(
            "CORS_ALLOWED_ORIGINS", "only the API function answers browsers; the worker answers no HTTP request",
            "API_URL", "only the worker and the failure function build status URLs without a request (schedules); the API"
                    + " function takes them from the request, and a !Ref of the API in its environment would make a cycle (the API"
                    + " refers to it)");

    private static SamTemplate template;

    @BeforeAll
    static void load() throws IOException {
        template = new SamTemplate(CloudFormationYaml.read(TemplateIT.projectRoot().resolve("template.yaml")));
    }

    /** The problems of a template's environments against what each function's code reads. */
    static List<String> problems(SamTemplate t) {
        Set<String> parameters = t.names("Parameters");
        Map<String, ConfigurationReads.Reads> reads = new LinkedHashMap<>();
        Map<String, Map<String, JsonNode>> environments = new LinkedHashMap<>();
        for (String function : t.resourcesOfType(SamTemplate.FUNCTION)) {
            reads.put(function, ConfigurationReads.of(t, function));
            environments.put(function, t.environment(function));
        }
        List<String> problems = new ArrayList<>();
        reads.forEach((function, read) -> {
            Map<String, JsonNode> environment = environments.get(function);
            read.required().stream().filter(name -> !environment.containsKey(name))
                    .forEach(name -> problems.add(function + " requires " + name + " but its Environment does not set it"));
            environment.forEach((name, value) -> {
                if (SamLocalVariables.isSdkEndpoint(name)) {
                    if (!SamLocalVariables.declaredForSamLocalOnly(t, name, value)) {
                        problems.add(function + " sets " + name + ", which the AWS SDK reads: only for sam local,"
                                + " as !If [IsSamLocal, ..., !Ref AWS::NoValue], never on a deploy");
                    }
                } else if (!read.names().contains(name) && !READ_BY_THE_JVM.contains(name)) {
                    problems.add(function + " sets " + name + ", which its code never reads");
                }
            });
        });
        for (String a : reads.keySet()) {
            for (String b : reads.keySet()) {
                if (a.equals(b)) {
                    continue;
                }
                for (String name : reads.get(a).names()) {
                    if (!reads.get(b).names().contains(name) || USED_BY_ONE_FUNCTION.containsKey(name)) {
                        continue;
                    }
                    JsonNode inA = environments.get(a).get(name);
                    JsonNode inB = environments.get(b).get(name);
                    if (inA != null && inB == null && !parametersIn(inA, parameters).isEmpty()) {
                        problems.add(a + " gets " + name + " from " + parametersIn(inA, parameters) + ", but " + b
                                + ", whose code reads it too, leaves it to the code's default");
                    } else if (inA != null && inB != null && !inA.equals(inB) && a.compareTo(b) < 0) {
                        problems.add(name + " differs: " + a + " sets " + inA + ", " + b + " sets " + inB);
                    }
                }
            }
        }
        return problems;
    }

    /** The template parameters a value refers to ({@code !Ref}, {@code ${Name}} in {@code !Sub}). */
    static Set<String> parametersIn(JsonNode value, Set<String> parameters) {
        Set<String> found = new TreeSet<>();
        if (value.isObject() && value.has("Ref") && parameters.contains(value.get("Ref").asText())) {
            found.add(value.get("Ref").asText());
        }
        JsonNode sub = value.path("Fn::Sub");
        String text = sub.isTextual() ? sub.asText() : sub.isArray() ? sub.path(0).asText() : null;
        if (text != null) {
            Matcher m = Pattern.compile("\\$\\{([A-Za-z0-9]+)}").matcher(text);
            while (m.find()) {
                if (parameters.contains(m.group(1))) {
                    found.add(m.group(1));
                }
            }
        }
        value.elements().forEachRemaining(child -> found.addAll(parametersIn(child, parameters)));
        return found;
    }

    @Test
    @DisplayName("every function's environment sets what its code requires, nothing it ignores, and shared variables alike")
    void environmentsMatchTheCode() {
        List<String> problems = problems(template);
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    @Test
    @DisplayName("the check finds the worker left with the default number of places (MaxRunningExportsPerUser on the API function only)")
    void findsAVariableLeftToTheDefault() {
        SamTemplate broken = new SamTemplate(template.json().deepCopy());
        ((ObjectNode) broken.resource("ExportWorkerFunction").path("Properties").path("Environment").path("Variables"))
                .remove("MAX_RUNNING_EXPORTS_PER_USER");
        assertEquals(List.of("ExportFunction gets MAX_RUNNING_EXPORTS_PER_USER from [MaxRunningExportsPerUser], but"
                + " ExportWorkerFunction, whose code reads it too, leaves it to the code's default",
                "ExportScheduledFunction gets MAX_RUNNING_EXPORTS_PER_USER from [MaxRunningExportsPerUser], but"
                + " ExportWorkerFunction, whose code reads it too, leaves it to the code's default",
                "ExportFailureFunction gets MAX_RUNNING_EXPORTS_PER_USER from [MaxRunningExportsPerUser], but"
                + " ExportWorkerFunction, whose code reads it too, leaves it to the code's default"), problems(broken));
    }

    @Test
    @DisplayName("the check finds a required variable missing, an unread one, and a shared one set two ways")
    void findsMissingUnreadAndDifferingVariables() {
        SamTemplate broken = new SamTemplate(template.json().deepCopy());
        ObjectNode worker = (ObjectNode) broken.resource("ExportWorkerFunction").path("Properties").path("Environment").path("Variables");
        worker.remove("EXPORT_BUCKET");
        worker.put("STRAPI_VERSION", "4");
        ((ObjectNode) broken.resource("AuthorizerFunction").path("Properties").path("Environment").path("Variables"))
                .put("EXPORT_BUCKET", "x");
        assertEquals(List.of(
                "AuthorizerFunction sets EXPORT_BUCKET, which its code never reads",
                "ExportWorkerFunction requires EXPORT_BUCKET but its Environment does not set it",
                "STRAPI_VERSION differs: ExportFunction sets {\"Ref\":\"StrapiVersion\"}, ExportWorkerFunction sets \"4\"",
                "STRAPI_VERSION differs: ExportScheduledFunction sets {\"Ref\":\"StrapiVersion\"}, ExportWorkerFunction sets \"4\"",
                "STRAPI_VERSION differs: ExportFailureFunction sets {\"Ref\":\"StrapiVersion\"}, ExportWorkerFunction sets \"4\""),
                problems(broken));
    }

    @Test
    @DisplayName("the check finds an AWS SDK endpoint variable that a deploy would set")
    void findsAnSdkEndpointADeployWouldSet() {
        SamTemplate broken = new SamTemplate(template.json().deepCopy());
        ((ObjectNode) broken.section("Globals").path("Function").path("Environment").path("Variables"))
                .put("AWS_ENDPOINT_URL", "http://localhost:4566");
        ObjectNode export = (ObjectNode) broken.resource("ExportFunction").path("Properties").path("Environment").path("Variables");
        // On another condition: set on a deploy that lists CORS origins.
        ((ArrayNode) export.path("AWS_ENDPOINT_URL_S3").path("Fn::If")).set(0, "HasCorsOrigins");
        // An empty value instead of no value: the SDK refuses it.
        ((ArrayNode) export.path("AWS_ENDPOINT_URL_LAMBDA").path("Fn::If")).set(2, "");
        String rule = ", which the AWS SDK reads: only for sam local, as !If [IsSamLocal, ..., !Ref AWS::NoValue], never on a deploy";
        assertEquals(List.of(
                "AuthorizerFunction sets AWS_ENDPOINT_URL" + rule,
                "ExportFunction sets AWS_ENDPOINT_URL" + rule,
                "ExportFunction sets AWS_ENDPOINT_URL_S3" + rule,
                "ExportFunction sets AWS_ENDPOINT_URL_LAMBDA" + rule,
                "ExportWorkerFunction sets AWS_ENDPOINT_URL" + rule,
                "ExportScheduledFunction sets AWS_ENDPOINT_URL" + rule,
                "ExportFailureFunction sets AWS_ENDPOINT_URL" + rule), problems(broken));
    }

    @Test
    @DisplayName("SamLocal is off unless sam local asks: its default is false, and samconfig.toml's deploys never set it")
    void samLocalIsOffOnADeploy() throws IOException {
        assertEquals("false", template.section("Parameters").path("SamLocal").path("Default").asText());
        assertTrue(Files.readString(TemplateIT.projectRoot().resolve("samconfig.toml")).lines().noneMatch(line -> line.contains("SamLocal")));
        // The SDK endpoints are declared, and only as sam local declares them.
        for (String function : template.resourcesOfType(SamTemplate.FUNCTION)) {
            assertTrue(SamLocalVariables.of(template, function).contains("AWS_ENDPOINT_URL"), function);
        }
    }

    @Test
    @DisplayName("the variables used by one function only are still read by the export code")
    void exceptionsAreStillRead() {
        Set<String> exportReads = ConfigurationReads.reads(ExportConfig::from).names();
        assertTrue(exportReads.containsAll(USED_BY_ONE_FUNCTION.keySet()), exportReads.toString());
    }
}
