package com.onboardingexport.it.iam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.onboardingexport.it.template.SamTranslator;
import com.onboardingexport.local.services.LocalMoto;
import com.onboardingexport.local.template.CloudFormationYaml;
import com.onboardingexport.local.template.LocalApiTemplate;
import com.onboardingexport.local.template.ProjectRoot;
import com.onboardingexport.local.template.SamTemplate;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Permissions proven by the calls. Runs after every other integration test (its own failsafe
 * execution): the local API recorded each AWS call of each function it ran (action and resource ARN
 * as IAM sees them, presigned links included), with the template it served. Here each function's
 * role is taken from that template as the SAM translator transforms it, resolved for the local stack,
 * and every call is evaluated against it with moto's IAM policy evaluator. A call the role would deny
 * fails; a grant no call used must be listed, with its reason, in the README's table of grants kept
 * without a call.
 */
class AwsCallsPermissionsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String README_SECTION = "### Permissions proven by the calls";

    /** One Allow of a role, narrowed to one action and one resource; {@code resource} as the template writes it. */
    record Grant(String function, String statement, String action, String resource) {
        @Override
        public String toString() {
            return function + " " + statement + " " + action + " " + resource;
        }
    }

    /** A function's role in one local API's template, resolved, and the calls the function made there. */
    record Principal(String function, List<Grant> grants, List<ObjectNode> statements, List<JsonNode> calls) {
        Principal without(Predicate<Grant> removed) {
            List<Grant> grants = new ArrayList<>();
            List<ObjectNode> statements = new ArrayList<>();
            for (int i = 0; i < this.grants.size(); i++) {
                if (!removed.test(this.grants.get(i))) {
                    grants.add(this.grants.get(i));
                    statements.add(this.statements.get(i));
                }
            }
            return new Principal(function, grants, statements, calls);
        }
    }

    /** What the evaluator said: each call's verdict, and how many calls each grant alone permits. */
    record Verdicts(List<List<String>> calls, List<List<Integer>> grantUses) {
    }

    private static List<Principal> principals;

    @BeforeAll
    static void load() throws IOException {
        String dir = System.getProperty("onboardingexport.awsCalls");
        assertTrue(dir != null && !dir.isBlank(), "the build sets onboardingexport.awsCalls");
        principals = new ArrayList<>();
        Path root = Path.of(dir);
        if (Files.isDirectory(root)) {
            try (Stream<Path> apis = Files.list(root)) {
                for (Path api : apis.filter(Files::isDirectory).sorted().toList()) {
                    principals.addAll(principals(api));
                }
            }
        }
    }

    /** True when the whole suite ran (no -Dit.test selection): only then does an unused grant mean anything. */
    private static boolean wholeSuite() {
        String selected = System.getProperty("onboardingexport.selectedTests", "");
        return selected.isBlank() || selected.startsWith("${");
    }

    static List<Principal> principals(Path api) throws IOException {
        JsonNode context = JSON.readTree(api.resolve("context.json").toFile());
        JsonNode template = CloudFormationYaml.read(api.resolve("template.yaml"));
        JsonNode transformed = SamTranslator.transform(SamTranslator.packaged(template, Map.of()));
        Path transformedFile = api.resolve("transformed.json");
        Files.writeString(transformedFile, JSON.writeValueAsString(transformed));
        LocalApiTemplate resolver = LocalApiTemplate.read(transformedFile, strings(context.path("parameters")),
                strings(context.path("resource_names")));
        List<Principal> found = new ArrayList<>();
        for (String function : new SamTemplate(template).resourcesOfType(SamTemplate.FUNCTION)) {
            List<Grant> grants = new ArrayList<>();
            List<ObjectNode> statements = new ArrayList<>();
            String role = transformed.path("Resources").path(function).path("Properties").path("Role").path("Fn::GetAtt").path(0).asText();
            for (JsonNode policy : transformed.path("Resources").path(role).path("Properties").path("Policies")) {
                for (JsonNode statement : list(policy.path("PolicyDocument").path("Statement"))) {
                    String label = statement.path("Sid").asText(policy.path("PolicyName").asText());
                    assertEquals("Allow", statement.path("Effect").asText(), function + " " + label);
                    for (JsonNode action : list(statement.path("Action"))) {
                        for (JsonNode resource : list(statement.path("Resource"))) {
                            grants.add(new Grant(function, label, action.asText(), text(resource)));
                            ObjectNode resolved = JSON.createObjectNode().put("Effect", "Allow").put("Action", action.asText())
                                    .put("Resource", resolver.resolve(resource, function + " " + label));
                            statements.add(resolved);
                        }
                    }
                }
            }
            List<JsonNode> calls = new ArrayList<>();
            try (Stream<Path> files = Files.list(api)) {
                for (Path file : files.filter(f -> f.getFileName().toString().startsWith(function + "-")
                        && f.getFileName().toString().endsWith(".jsonl")).toList()) {
                    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                        if (!line.isBlank()) {
                            calls.add(JSON.readTree(line));
                        }
                    }
                }
            }
            found.add(new Principal(function, grants, statements, calls));
        }
        return found;
    }

    private static Map<String, String> strings(JsonNode object) {
        Map<String, String> map = new LinkedHashMap<>();
        object.fields().forEachRemaining(e -> map.put(e.getKey(), e.getValue().asText()));
        return map;
    }

    private static List<JsonNode> list(JsonNode node) {
        List<JsonNode> items = new ArrayList<>();
        if (node.isArray()) {
            node.forEach(items::add);
        } else if (!node.isMissingNode()) {
            items.add(node);
        }
        return items;
    }

    /** A resource as the template writes it: {@code ${ExportBucket.Arn}/exports/*}, {@code ExportBucket.Arn}, a parameter's name. */
    static String text(JsonNode resource) {
        if (resource.isTextual()) {
            return resource.asText();
        }
        if (resource.has("Fn::Sub") && resource.get("Fn::Sub").isTextual()) {
            return resource.get("Fn::Sub").asText();
        }
        if (resource.has("Ref")) {
            return resource.get("Ref").asText();
        }
        if (resource.has("Fn::GetAtt")) {
            JsonNode getAtt = resource.get("Fn::GetAtt");
            return getAtt.isArray() ? getAtt.path(0).asText() + "." + getAtt.path(1).asText() : getAtt.asText();
        }
        return resource.toString();
    }

    /** moto's IAM policy evaluator (integration-tests/src/test/python/iam_check.py) on every principal. */
    static Verdicts evaluate(List<Principal> all) throws Exception {
        ObjectNode input = JSON.createObjectNode();
        ArrayNode array = input.putArray("principals");
        for (Principal p : all) {
            ObjectNode principal = array.addObject();
            principal.putArray("statements").addAll(p.statements());
            ArrayNode calls = principal.putArray("calls");
            p.calls().forEach(c -> calls.addObject().put("action", c.path("action").asText()).put("resource", c.path("resource").asText()));
        }
        String python = LocalMoto.findOnPath("python3").orElseThrow(() -> new AssertionError("python3 is not on the PATH"));
        Path script = ProjectRoot.find().resolve("integration-tests/src/test/python/iam_check.py");
        Path in = Files.createTempFile("iam-check-", ".json");
        try {
            Files.writeString(in, input.toString());
            Process process = new ProcessBuilder(python, script.toString()).redirectInput(in.toFile()).start();
            byte[] out = process.getInputStream().readAllBytes();
            String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(process.waitFor(300, TimeUnit.SECONDS) && process.exitValue() == 0, "iam_check.py failed:\n" + err);
            JsonNode answer = JSON.readTree(out);
            List<List<String>> calls = new ArrayList<>();
            List<List<Integer>> uses = new ArrayList<>();
            for (JsonNode principal : answer.path("principals")) {
                List<String> verdicts = new ArrayList<>();
                principal.path("calls").forEach(v -> verdicts.add(v.asText()));
                calls.add(verdicts);
                List<Integer> counts = new ArrayList<>();
                principal.path("statements").forEach(n -> counts.add(n.asInt()));
                uses.add(counts);
            }
            return new Verdicts(calls, uses);
        } finally {
            Files.deleteIfExists(in);
        }
    }

    /** Every call some role would not allow, as "function action resource (operation)". */
    static List<String> denied(List<Principal> all, Verdicts verdicts) {
        List<String> denied = new ArrayList<>();
        for (int p = 0; p < all.size(); p++) {
            for (int c = 0; c < all.get(p).calls().size(); c++) {
                if (!"PERMITTED".equals(verdicts.calls().get(p).get(c))) {
                    JsonNode call = all.get(p).calls().get(c);
                    denied.add(all.get(p).function() + " " + call.path("action").asText() + " " + call.path("resource").asText()
                            + " (" + call.path("operation").asText() + (call.path("presigned").asBoolean() ? ", presigned" : "") + ")");
                }
            }
        }
        return denied.stream().distinct().toList();
    }

    /** The grants of the README's table "Permissions proven by the calls": kept although no test's call uses them. */
    static Map<Grant, String> keptInReadme() throws IOException {
        List<String> lines = Files.readAllLines(ProjectRoot.find().resolve("README.md"), StandardCharsets.UTF_8);
        int start = lines.indexOf(README_SECTION);
        assertTrue(start >= 0, "README.md has the section " + README_SECTION);
        Map<Grant, String> kept = new LinkedHashMap<>();
        for (String line : lines.subList(start + 1, lines.size())) {
            if (line.startsWith("#")) {
                break;
            }
            if (line.startsWith("| `")) {
                String[] cells = line.substring(1).split("\\s*\\|\\s*");
                kept.put(new Grant(unquote(cells[0]), unquote(cells[1]), unquote(cells[2]), unquote(cells[3])), cells[4].trim());
            }
        }
        return kept;
    }

    private static String unquote(String cell) {
        return cell.trim().replace("`", "");
    }

    @Test
    @DisplayName("every AWS call the functions made in the suite is allowed by their roles; grants no call used are kept in the README with a reason")
    void everyCallIsAllowedAndEveryGrantUsed() throws Exception {
        assumeTrue(!principals.isEmpty() || wholeSuite(), "no test of this run went through the local API");
        assertFalse(principals.isEmpty(), "the local-run tests recorded no AWS call");
        Verdicts verdicts = evaluate(principals);

        Map<Grant, Integer> uses = new TreeMap<>((a, b) -> a.toString().compareTo(b.toString()));
        Map<String, Integer> calls = new TreeMap<>();
        for (int p = 0; p < principals.size(); p++) {
            Principal principal = principals.get(p);
            for (int g = 0; g < principal.grants().size(); g++) {
                uses.merge(principal.grants().get(g), verdicts.grantUses().get(p).get(g), Integer::sum);
            }
            for (JsonNode call : principal.calls()) {
                calls.merge(principal.function() + " " + call.path("action").asText() + " " + call.path("operation").asText()
                        + (call.path("presigned").asBoolean() ? " (presigned)" : "") + " " + generalize(call.path("resource").asText()), 1, Integer::sum);
            }
        }
        System.out.println("[permissions] AWS calls recorded (function, action, SDK operation, resource), with their number:");
        calls.forEach((call, n) -> System.out.println("[permissions]   " + n + "\t" + call));
        System.out.println("[permissions] grants of the roles, with the number of calls each allows:");
        uses.forEach((grant, n) -> System.out.println("[permissions]   " + n + "\t" + grant));

        List<String> denied = denied(principals, verdicts);
        assertEquals(List.of(), denied, "calls the function's role in template.yaml would deny");

        Map<Grant, String> kept = keptInReadme();
        List<String> stale = kept.keySet().stream().filter(g -> !uses.containsKey(g)).map(Grant::toString).toList();
        assertEquals(List.of(), stale, "README rows naming a grant the template does not have");
        if (wholeSuite()) {
            List<String> unused = uses.entrySet().stream().filter(e -> e.getValue() == 0 && !kept.containsKey(e.getKey()))
                    .map(e -> e.getKey().toString()).toList();
            assertEquals(List.of(), unused, "grants no call of the suite used and the README does not keep (remove them,"
                    + " or add a row with the reason to \"" + README_SECTION + "\")");
            List<String> usedAfterAll = kept.keySet().stream().filter(g -> uses.getOrDefault(g, 0) > 0).map(Grant::toString).toList();
            assertEquals(List.of(), usedAfterAll, "README rows (grants kept without a call) whose grant a call did use");
        }
    }

    @Test
    @DisplayName("the check fails when a needed statement is taken out: ExportFunction without WriteExportObjects is denied its uploads")
    void aMissingStatementIsDenied() throws Exception {
        List<Principal> exportFunction = principals.stream().filter(p -> p.function().equals("ExportFunction")
                && p.calls().stream().anyMatch(c -> c.path("action").asText().equals("s3:PutObject"))).toList();
        assumeTrue(!exportFunction.isEmpty() || wholeSuite(), "no export through the local API in this run");
        assertFalse(exportFunction.isEmpty());
        assertEquals(List.of(), denied(exportFunction, evaluate(exportFunction)));
        List<Principal> narrowed = exportFunction.stream().map(p -> p.without(g -> g.statement().equals("WriteExportObjects"))).toList();
        List<String> denied = denied(narrowed, evaluate(narrowed));
        assertTrue(denied.stream().anyMatch(d -> d.startsWith("ExportFunction s3:PutObject arn:aws:s3:::")), denied.toString());
    }

    /** A resource with its export ids and users folded, so the listing reads as a few lines. */
    private static String generalize(String resource) {
        return resource.replaceAll("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "<id>")
                .replaceAll("/(user|place)-[^/]+", "/$1-*").replaceAll("/onboarding-export-[^/]+$", "/<file>");
    }
}
