package com.onboardingexport.it.template;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.onboardingexport.local.template.CloudFormationYaml;
import com.onboardingexport.local.template.SamTemplate;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Deploy day and every update after it, as far as the template decides it: every change publishes a
 * new version for "live", records outlive the stack, the layer ships each jar once, and the API
 * description names the template's routes.
 */
class DeployTemplateIT {
    private static Path root;
    private static SamTemplate template;

    @BeforeAll
    static void load() throws IOException {
        root = TemplateIT.projectRoot();
        template = new SamTemplate(CloudFormationYaml.read(root.resolve("template.yaml")));
    }

    // ------------------------------------------------------------------ versions

    /** Each function's published version (its AWS::Lambda::Version logical id) in the transformed template. */
    static Map<String, String> versions(JsonNode samTemplate) {
        JsonNode transformed = SamTranslator.transform(samTemplate);
        Map<String, String> versions = new TreeMap<>();
        for (String function : new SamTemplate(samTemplate).resourcesOfType(SamTemplate.FUNCTION)) {
            transformed.path("Resources").fields().forEachRemaining(e -> {
                if ("AWS::Lambda::Version".equals(e.getValue().path("Type").asText())
                        && e.getKey().startsWith(function + "Version")) {
                    versions.put(function, e.getKey());
                }
            });
        }
        return versions;
    }

    private static JsonNode changed(Map<String, String> artifacts, Consumer<ObjectNode> change) {
        ObjectNode copy = (ObjectNode) SamTranslator.packaged(template.json(), artifacts);
        change.accept(copy);
        return copy;
    }

    private static void assertNewVersions(Map<String, String> before, Map<String, String> after, Set<String> changedFunctions) {
        assertEquals(before.keySet(), after.keySet());
        assertAll(before.keySet().stream().map(function -> () -> {
            if (changedFunctions.contains(function)) {
                assertNotEquals(before.get(function), after.get(function), function + " publishes a new version");
            } else {
                assertEquals(before.get(function), after.get(function), function + " keeps its version");
            }
        }));
    }

    @Test
    @DisplayName("sam deploy after a change: a new layer, new code or a new Timeout publishes a new version of every affected function; no change keeps them")
    void everyChangeReachesLive() {
        Set<String> all = Set.of("AuthorizerFunction", "ExportFunction", "ExportWorkerFunction", "ExportScheduledFunction", "ExportFailureFunction");
        Map<String, String> before = versions(SamTranslator.packaged(template.json(), Map.of()));
        assertEquals(all, before.keySet(), "every function publishes a version for its alias");

        assertNewVersions(before, versions(SamTranslator.packaged(template.json(), Map.of())), Set.of());
        assertNewVersions(before, versions(changed(Map.of("layers/shared", "v2"), t -> { })), all);
        assertNewVersions(before, versions(changed(Map.of("functions/export", "v2"), t -> { })),
                Set.of("ExportFunction", "ExportWorkerFunction", "ExportScheduledFunction", "ExportFailureFunction"));
        assertNewVersions(before, versions(changed(Map.of(), t ->
                ((ObjectNode) t.path("Resources").path("ExportWorkerFunction").path("Properties")).put("Timeout", 899))),
                Set.of("ExportWorkerFunction"));
        assertNewVersions(before, versions(changed(Map.of(), t ->
                ((ObjectNode) t.path("Globals").path("Function")).put("Timeout", 11))), Set.of("AuthorizerFunction"));
        assertNewVersions(before, versions(changed(Map.of(), t ->
                ((ObjectNode) t.path("Globals").path("Function")).putObject("LoggingConfig").put("LogFormat", "JSON"))), all);
    }

    // ------------------------------------------------------------------ records that outlive the stack

    @Test
    @DisplayName("log groups, the dead-letter queue and the account's API Gateway log role are kept on delete and on replacement")
    void recordsOutliveTheStack() {
        List<String> kept = new ArrayList<>(template.resourcesOfType("AWS::Logs::LogGroup"));
        kept.addAll(template.resourcesOfType("AWS::SQS::Queue"));
        kept.add("ApiGatewayLogRole");
        kept.add("ApiGatewayAccount");
        assertTrue(kept.size() >= 7, kept.toString());
        assertAll(kept.stream().map(id -> () -> assertAll(
                () -> assertEquals("Retain", template.resource(id).path("DeletionPolicy").asText(), id + " DeletionPolicy"),
                () -> assertEquals("Retain", template.resource(id).path("UpdateReplacePolicy").asText(), id + " UpdateReplacePolicy"))));
    }

    @Test
    @DisplayName("every schedule has a dead-letter queue, one the alarm watches")
    void schedulesHaveADeadLetterQueue() {
        Map<String, JsonNode> schedules = template.events("ExportScheduledFunction", "ScheduleV2");
        assertFalse(schedules.isEmpty());
        JsonNode watched = template.resource("WorkerDeadLetterAlarm").path("Properties").path("Dimensions").path(0).path("Value");
        schedules.forEach((name, schedule) -> {
            JsonNode arn = schedule.path("DeadLetterConfig").path("Arn").path("Fn::GetAtt");
            assertEquals("Arn", arn.path(1).asText(), name + " DeadLetterConfig");
            assertEquals(watched.path("Fn::GetAtt").path(0).asText(), arn.path(0).asText(), name + ": the queue the alarm watches");
        });
    }

    // ------------------------------------------------------------------ the layer as sam build packs it

    /** The folders under target/ that sam build's Maven layer step skips (aws-lambda-builders, JavaMavenCopyLayerArtifactsAction). */
    private static final Set<String> SKIPPED_BY_SAM_BUILD = Set.of("classes", "dependency", "generated-sources", "maven-archiver", "maven-status");

    /**
     * The layer's java/lib as sam build lays it out from a built layer module: every *.jar under
     * target/ (keeping its sub-folder) except in the skipped folders, then target/dependency's jars
     * (where its own copy-dependencies writes them).
     */
    static Map<String, Path> samBuildLayerLib(Path target) throws IOException {
        Map<String, Path> lib = new LinkedHashMap<>();
        try (Stream<Path> files = Files.walk(target)) {
            files.filter(f -> f.getFileName().toString().endsWith(".jar") && Files.isRegularFile(f))
                    .filter(f -> {
                        for (Path part : target.relativize(f)) {
                            if (SKIPPED_BY_SAM_BUILD.contains(part.toString())) {
                                return false;
                            }
                        }
                        return true;
                    })
                    .forEach(f -> lib.put(target.relativize(f).toString(), f));
        }
        Path dependency = target.resolve("dependency");
        if (Files.isDirectory(dependency)) {
            try (Stream<Path> jars = Files.list(dependency)) {
                jars.filter(f -> f.toString().endsWith(".jar")).forEach(f -> lib.put(f.getFileName().toString(), f));
            }
        }
        return lib;
    }

    @Test
    @DisplayName("the layer as sam build packs it holds each jar once, all in java/lib (the Java runtime's classpath), its own jar among them")
    void layerHoldsEachJarOnce() throws Exception {
        Map<String, Path> lib = samBuildLayerLib(root.resolve("layers/shared/target"));
        Map<String, List<String>> byContent = new TreeMap<>();
        for (Map.Entry<String, Path> jar : lib.entrySet()) {
            byContent.computeIfAbsent(sha256(jar.getValue()), k -> new ArrayList<>()).add(jar.getKey());
        }
        List<String> twice = byContent.values().stream().filter(names -> names.size() > 1).map(Object::toString).toList();
        List<String> outsideLib = lib.keySet().stream().filter(name -> name.contains("/")).toList();
        assertAll(
                () -> assertTrue(lib.size() > 10, "the layer's jar and its dependencies: " + lib.keySet()),
                () -> assertTrue(lib.keySet().stream().anyMatch(n -> n.startsWith("onboarding-export-shared-")), lib.keySet().toString()),
                () -> assertEquals(List.of(), twice, "jars packed twice"),
                () -> assertEquals(List.of(), outsideLib, "jars in sub-folders of java/lib are not on the classpath"));
    }

    private static String sha256(Path file) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[65536];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    @Test
    @DisplayName("samconfig.toml builds without SAM's cache: a change to the layer alone would reuse functions built against the old one")
    void noCachedBuilds() throws IOException {
        JsonNode samconfig = new com.fasterxml.jackson.dataformat.toml.TomlMapper().readTree(root.resolve("samconfig.toml").toFile());
        assertEquals("provided", providedScope(), "the functions compile against the layer without packing it");
        assertFalse(samconfig.path("default").path("build").path("parameters").path("cached").asBoolean(true), samconfig.toString());
    }

    /** The scope of the layer's module in the export function's pom. */
    private static String providedScope() throws IOException {
        String pom = Files.readString(root.resolve("functions/export/pom.xml"));
        int at = pom.indexOf("<artifactId>onboarding-export-shared</artifactId>");
        int scope = pom.indexOf("<scope>", at);
        return at < 0 || scope < 0 ? "" : pom.substring(scope + "<scope>".length(), pom.indexOf("</scope>", scope));
    }

    // ------------------------------------------------------------------ the API description

    /** "METHOD /path" to "bearer" (a TOKEN authorizer on the Authorization header) or "none". */
    static Map<String, String> templateRoutes(SamTemplate t) {
        JsonNode auth = t.resource("ExportApi").path("Properties").path("Auth");
        Map<String, String> routes = new TreeMap<>();
        for (String function : t.resourcesOfType(SamTemplate.FUNCTION)) {
            t.events(function, "Api").values().forEach(api -> {
                String authorizer = api.path("Auth").path("Authorizer").asText(auth.path("DefaultAuthorizer").asText("NONE"));
                JsonNode spec = auth.path("Authorizers").path(authorizer);
                String kind = "NONE".equals(authorizer) ? "none"
                        : "TOKEN".equals(spec.path("FunctionPayloadType").asText()) && "Authorization".equals(spec.path("Identity").path("Header").asText())
                        ? "bearer" : "authorizer " + authorizer;
                routes.put(api.path("Method").asText().toUpperCase() + " " + api.path("Path").asText(), kind);
            });
        }
        return routes;
    }

    static Map<String, String> openApiRoutes(JsonNode openApi) {
        Set<String> methods = new TreeSet<>(List.of("get", "put", "post", "delete", "options", "head", "patch", "trace"));
        Map<String, String> routes = new TreeMap<>();
        openApi.path("paths").fields().forEachRemaining(path -> path.getValue().fields().forEachRemaining(op -> {
            if (!methods.contains(op.getKey())) {
                return;
            }
            JsonNode security = op.getValue().has("security") ? op.getValue().get("security") : openApi.path("security");
            Set<String> kinds = new TreeSet<>();
            security.forEach(requirement -> requirement.fieldNames().forEachRemaining(scheme -> {
                JsonNode spec = openApi.path("components").path("securitySchemes").path(scheme);
                kinds.add("http".equals(spec.path("type").asText()) && "bearer".equals(spec.path("scheme").asText()) ? "bearer" : scheme);
            }));
            routes.put(op.getKey().toUpperCase() + " " + path.getKey(), kinds.isEmpty() ? "none" : String.join(",", kinds));
        }));
        return routes;
    }

    @Test
    @DisplayName("openapi.yaml describes exactly the template's routes and methods, each with the same authorizer (bearer JWT or none)")
    void openApiMatchesTheTemplate() throws IOException {
        Map<String, String> fromTemplate = templateRoutes(template);
        assertEquals(4, fromTemplate.size(), fromTemplate.toString());
        assertEquals(fromTemplate, openApiRoutes(CloudFormationYaml.read(root.resolve("openapi.yaml"))));
    }

    @Test
    @DisplayName("the route check sees a route missing from openapi.yaml and an authorizer taken off one")
    void routeCheckCanFail() throws IOException {
        JsonNode openApi = CloudFormationYaml.read(root.resolve("openapi.yaml"));
        ObjectNode lessRoutes = openApi.deepCopy();
        ((ObjectNode) lessRoutes.path("paths").path("/exports/onboarding/{export_id}")).remove("get");
        assertNotEquals(templateRoutes(template), openApiRoutes(lessRoutes));
        ObjectNode open = openApi.deepCopy();
        ((ObjectNode) open.path("paths").path("/exports/onboarding").path("post")).putArray("security");
        assertNotEquals(templateRoutes(template), openApiRoutes(open));
    }
}
