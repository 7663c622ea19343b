package com.onboardingexport.it.template;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.events.APIGatewayCustomAuthorizerEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonMetaSchema;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.NonValidationKeyword;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.SpecVersionDetector;
import com.networknt.schema.ValidationMessage;
import com.onboardingexport.local.template.SamTemplate;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * The checks {@link TemplateIT} runs on template.yaml. Each returns the problems it found, one
 * readable line each, so a test can assert "none" on the real template and "this one" on a
 * deliberately broken copy (which proves the check can fail).
 */
public final class TemplateChecks {
    static final Set<String> PSEUDO_PARAMETERS = Set.of(
            "AWS::AccountId", "AWS::NotificationARNs", "AWS::NoValue", "AWS::Partition",
            "AWS::Region", "AWS::StackId", "AWS::StackName", "AWS::URLSuffix");

    /** Fn::GetAtt attributes of the resource types this project uses; other types are not checked. */
    static final Map<String, Set<String>> ATTRIBUTES = Map.of(
            "AWS::S3::Bucket", Set.of("Arn", "DomainName", "DualStackDomainName", "RegionalDomainName", "WebsiteURL"),
            "AWS::Serverless::Function", Set.of("Arn"),
            "AWS::Serverless::Api", Set.of("RootResourceId"),
            "AWS::Serverless::LayerVersion", Set.of(),
            "AWS::Logs::LogGroup", Set.of("Arn"),
            "AWS::IAM::Role", Set.of("Arn", "RoleId"),
            "AWS::Scheduler::Schedule", Set.of("Arn"),
            "AWS::Events::EventBus", Set.of("Arn", "Name", "Policy"));

    /** Environment variables that configure the JVM or the runtime, not the code. */
    static final Set<String> RUNTIME_VARIABLES = Set.of("JAVA_TOOL_OPTIONS");

    private static final Pattern HANDLER = Pattern.compile(
            "^([A-Za-z_$][\\w$]*(?:\\.[A-Za-z_$][\\w$]*)*)(?:::([A-Za-z_$][\\w$]*))?$");
    private static final Pattern SUB_VARIABLE = Pattern.compile("\\$\\{([^}]*)}");
    /**
     * A variable the code cannot do without: {@code require("NAME")}. One read with a default
     * ({@code get("NAME", default)}) may be left to that default, so a function of a module that
     * does not use a setting (the worker and the API's async threshold) need not set it.
     */
    private static final Pattern ENV_READ = Pattern.compile(
            "\\b(?:require|getenv)\\(\\s*\"([A-Z][A-Z0-9_]*)\"");

    private TemplateChecks() {
    }

    // ------------------------------------------------------------------ schema

    /** The SAM schema, compiled once; its draft is read from its own {@code $schema}. */
    public static JsonSchema samSchema(JsonNode schemaJson) {
        SpecVersion.VersionFlag draft = SpecVersionDetector.detect(schemaJson);
        JsonMetaSchema base = switch (draft) {
            case V4 -> JsonMetaSchema.getV4();
            case V6 -> JsonMetaSchema.getV6();
            case V7 -> JsonMetaSchema.getV7();
            case V201909 -> JsonMetaSchema.getV201909();
            case V202012 -> JsonMetaSchema.getV202012();
        };
        // The SAM schema's own annotations: documentation only, nothing to validate.
        JsonMetaSchema meta = JsonMetaSchema.builder(base)
                .keywords(List.of(new NonValidationKeyword("markdownDescription"), new NonValidationKeyword("__samPassThrough")))
                .build();
        JsonSchemaFactory factory = JsonSchemaFactory.getInstance(draft, builder -> builder.metaSchema(meta));
        return factory.getSchema(schemaJson, SchemaValidatorsConfig.builder().build());
    }

    public static List<String> schemaProblems(JsonSchema schema, JsonNode template) {
        Set<ValidationMessage> messages = schema.validate(template);
        return messages.stream().map(ValidationMessage::getMessage).sorted().toList();
    }

    // ------------------------------------------------------------------ handlers

    /**
     * Every function's Handler names a public class that Lambda's Java runtime can load and
     * instantiate, with a public method of a handler signature taking the event type its event
     * sources send; the class comes from the function's own CodeUri (its source file is there, and
     * the class was loaded from that module's build output or jar).
     */
    public static List<String> handlerProblems(SamTemplate template, Path root, ClassLoader loader) {
        List<String> problems = new ArrayList<>();
        Set<String> authorizers = authorizerFunctions(template);
        for (String function : template.resourcesOfType(SamTemplate.FUNCTION)) {
            JsonNode props = template.functionProperties(function);
            String runtime = props.path("Runtime").asText("");
            if (!runtime.startsWith("java")) {
                problems.add(function + ": Runtime '" + runtime + "' is not a Java runtime");
                continue;
            }
            String handler = props.path("Handler").asText("");
            Matcher m = HANDLER.matcher(handler);
            if (!m.matches()) {
                problems.add(function + ": Handler '" + handler + "' is not of the form package.Class::method");
                continue;
            }
            String className = m.group(1);
            String methodName = m.group(2) == null ? "handleRequest" : m.group(2);

            Class<?> type;
            try {
                type = Class.forName(className, false, loader);
            } catch (ClassNotFoundException | LinkageError e) {
                problems.add(function + ": Handler class " + className + " is not on the classpath"
                        + " (Lambda would fail every invocation with \"Class not found\"): " + e);
                continue;
            }
            int modifiers = type.getModifiers();
            if (!Modifier.isPublic(modifiers) || Modifier.isAbstract(modifiers) || type.isInterface()) {
                problems.add(function + ": Handler class " + className + " must be public and concrete");
            }

            List<Method> candidates = Arrays.stream(type.getMethods())
                    .filter(method -> method.getName().equals(methodName) && !method.isBridge())
                    .filter(TemplateChecks::isHandlerSignature)
                    .toList();
            if (candidates.isEmpty()) {
                problems.add(function + ": Handler class " + className + " has no public method " + methodName
                        + "(Event[, Context]) or " + methodName + "(InputStream, OutputStream[, Context])");
                continue;
            }
            boolean instanceMethod = candidates.stream().anyMatch(method -> !Modifier.isStatic(method.getModifiers()));
            if (instanceMethod && !hasPublicNoArgConstructor(type)) {
                problems.add(function + ": Handler class " + className + " needs a public no-argument constructor for the Lambda runtime");
            }

            Set<String> sources = eventSourceKinds(template, function, authorizers);
            boolean stream = candidates.stream().anyMatch(TemplateChecks::isStreamHandler);
            if (!stream) {
                Class<?> input = candidates.get(0).getParameterTypes()[0];
                if (sources.size() > 1) {
                    problems.add(function + ": receives " + sources + " events, so its handler must read the raw"
                            + " stream (RequestStreamHandler), not a single type " + input.getSimpleName());
                } else if (sources.contains("Api") && input != APIGatewayProxyRequestEvent.class) {
                    problems.add(function + ": REST API proxy events need APIGatewayProxyRequestEvent, handler takes " + input.getName());
                } else if (sources.contains("Authorizer") && input != APIGatewayCustomAuthorizerEvent.class) {
                    problems.add(function + ": REST API authorizer events need APIGatewayCustomAuthorizerEvent, handler takes " + input.getName());
                }
            }

            String codeUri = props.path("CodeUri").asText("");
            String outer = className.contains("$") ? className.substring(0, className.indexOf('$')) : className;
            Path source = root.resolve(codeUri).resolve("src/main/java").resolve(outer.replace('.', '/') + ".java");
            if (!Files.isRegularFile(source)) {
                problems.add(function + ": Handler class " + className + " has no source in its CodeUri " + codeUri
                        + " (expected " + root.relativize(source) + ")");
            }
            Optional<String> artifactId = artifactId(root.resolve(codeUri).resolve("pom.xml"));
            Optional<Path> location = codeLocation(type);
            if (location.isPresent() && artifactId.isPresent()) {
                Path loc = location.get().normalize();
                boolean fromModule = loc.startsWith(root.resolve(codeUri).normalize())
                        || loc.getFileName().toString().startsWith(artifactId.get() + "-");
                if (!fromModule) {
                    problems.add(function + ": Handler class " + className + " was loaded from " + loc
                            + ", not from the build of its CodeUri " + codeUri + " (" + artifactId.get() + ")");
                }
            }
        }
        return problems;
    }

    private static boolean isHandlerSignature(Method method) {
        Class<?>[] p = method.getParameterTypes();
        if (isStreamHandler(method)) {
            return true;
        }
        return (p.length == 1 || (p.length == 2 && p[1] == Context.class)) && p[0] != InputStream.class;
    }

    private static boolean isStreamHandler(Method method) {
        Class<?>[] p = method.getParameterTypes();
        return (p.length == 2 || (p.length == 3 && p[2] == Context.class))
                && p[0] == InputStream.class && p[1] == OutputStream.class;
    }

    private static boolean hasPublicNoArgConstructor(Class<?> type) {
        return Arrays.stream(type.getConstructors()).anyMatch(c -> c.getParameterCount() == 0);
    }

    /** Functions that an API uses as its Lambda authorizer. */
    static Set<String> authorizerFunctions(SamTemplate template) {
        Set<String> functions = new HashSet<>();
        for (String api : template.resourcesOfType(SamTemplate.API)) {
            template.resource(api).path("Properties").path("Auth").path("Authorizers").forEach(authorizer ->
                    referencedLogicalId(authorizer.path("FunctionArn")).ifPresent(functions::add));
        }
        return functions;
    }

    /** The logical id behind {"Ref": "X"}, {"Ref": "X.Alias"} or {"Fn::GetAtt": ["X", ...]}. */
    static Optional<String> referencedLogicalId(JsonNode value) {
        if (value.has("Ref")) {
            String ref = value.get("Ref").asText();
            return Optional.of(ref.contains(".") ? ref.substring(0, ref.indexOf('.')) : ref);
        }
        if (value.has("Fn::GetAtt")) {
            return Optional.of(value.get("Fn::GetAtt").path(0).asText());
        }
        return Optional.empty();
    }

    private static Set<String> eventSourceKinds(SamTemplate template, String function, Set<String> authorizers) {
        Set<String> kinds = new TreeSet<>();
        template.resource(function).path("Properties").path("Events")
                .forEach(event -> kinds.add(event.path("Type").asText()));
        if (authorizers.contains(function)) {
            kinds.add("Authorizer");
        }
        return kinds;
    }

    private static Optional<Path> codeLocation(Class<?> type) {
        try {
            var source = type.getProtectionDomain().getCodeSource();
            return source == null ? Optional.empty() : Optional.of(Path.of(source.getLocation().toURI()));
        } catch (URISyntaxException | SecurityException e) {
            return Optional.empty();
        }
    }

    static Optional<String> artifactId(Path pom) {
        if (!Files.isRegularFile(pom)) {
            return Optional.empty();
        }
        try {
            var factory = DocumentBuilderFactory.newInstance();
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            Element project = factory.newDocumentBuilder().parse(pom.toFile()).getDocumentElement();
            for (Node child = project.getFirstChild(); child != null; child = child.getNextSibling()) {
                if (child instanceof Element element && element.getTagName().equals("artifactId")) {
                    return Optional.of(element.getTextContent().trim());
                }
            }
            return Optional.empty();
        } catch (Exception e) {
            throw new IllegalStateException("Cannot read " + pom, e);
        }
    }

    // ------------------------------------------------------------------ code locations

    /**
     * Every function's CodeUri and every layer's ContentUri is a folder of the project that
     * {@code sam build} can build with Maven; Java layers say how they are built; each function's
     * layers are compatible with its runtime and architecture.
     */
    public static List<String> codeUriProblems(SamTemplate template, Path root) {
        List<String> problems = new ArrayList<>();
        for (String function : template.resourcesOfType(SamTemplate.FUNCTION)) {
            JsonNode props = template.functionProperties(function);
            problems.addAll(buildableFolder(function, "CodeUri", props.path("CodeUri"), root));
            String runtime = props.path("Runtime").asText();
            String architecture = props.path("Architectures").path(0).asText("x86_64");
            for (JsonNode layerRef : props.path("Layers")) {
                Optional<String> layer = referencedLogicalId(layerRef);
                if (layer.isEmpty() || !SamTemplate.LAYER.equals(template.type(layer.get()))) {
                    continue; // an external layer ARN: nothing to check here
                }
                JsonNode layerProps = template.resource(layer.get()).path("Properties");
                if (!containsText(layerProps.path("CompatibleRuntimes"), runtime)) {
                    problems.add(function + ": layer " + layer.get() + " does not list runtime " + runtime);
                }
                if (layerProps.has("CompatibleArchitectures") && !containsText(layerProps.path("CompatibleArchitectures"), architecture)) {
                    problems.add(function + ": layer " + layer.get() + " does not list architecture " + architecture);
                }
            }
        }
        for (String layer : template.resourcesOfType(SamTemplate.LAYER)) {
            JsonNode resource = template.resource(layer);
            problems.addAll(buildableFolder(layer, "ContentUri", resource.path("Properties").path("ContentUri"), root));
            String buildMethod = resource.path("Metadata").path("BuildMethod").asText("");
            if (buildMethod.isEmpty()) {
                problems.add(layer + ": no Metadata.BuildMethod, so sam build would zip the folder's sources as they are");
            } else if (buildMethod.startsWith("java") && !containsText(resource.path("Properties").path("CompatibleRuntimes"), buildMethod)) {
                problems.add(layer + ": BuildMethod " + buildMethod + " is not among its CompatibleRuntimes");
            }
        }
        return problems;
    }

    private static List<String> buildableFolder(String id, String property, JsonNode uri, Path root) {
        if (!uri.isTextual()) {
            return List.of(id + ": " + property + " must be a local folder, got " + uri);
        }
        Path folder = root.resolve(uri.asText()).normalize();
        if (!folder.startsWith(root.normalize())) {
            return List.of(id + ": " + property + " " + uri.asText() + " is outside the project");
        }
        if (!Files.isDirectory(folder)) {
            return List.of(id + ": " + property + " " + uri.asText() + " does not exist");
        }
        if (!Files.isRegularFile(folder.resolve("pom.xml"))) {
            return List.of(id + ": " + property + " " + uri.asText() + " has no pom.xml for sam build's Maven workflow");
        }
        return List.of();
    }

    private static boolean containsText(JsonNode array, String value) {
        for (JsonNode item : array) {
            if (value.equals(item.asText())) {
                return true;
            }
        }
        return false;
    }

    // ------------------------------------------------------------------ references

    /**
     * Every Ref, GetAtt, ${...} of a Sub, If, Condition, DependsOn and FindInMap names something
     * the template (or CloudFormation, or SAM) defines; every parameter and condition is used.
     */
    public static List<String> referenceProblems(SamTemplate template) {
        Set<String> parameters = template.names("Parameters");
        Set<String> resources = template.names("Resources");
        Set<String> conditions = template.names("Conditions");
        Set<String> mappings = template.names("Mappings");
        Set<String> samRefs = samGeneratedReferences(template);

        Set<String> refTargets = new HashSet<>(parameters);
        refTargets.addAll(resources);
        refTargets.addAll(PSEUDO_PARAMETERS);
        refTargets.addAll(samRefs);

        List<String> problems = new ArrayList<>();
        Set<String> used = new HashSet<>();
        Walker walker = new Walker(template, refTargets, resources, conditions, mappings, samRefs, problems, used);
        for (String section : List.of("Globals", "Resources", "Outputs", "Conditions", "Metadata")) {
            walker.walk(template.section(section), section);
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = template.section("Resources").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> resource = it.next();
            JsonNode condition = resource.getValue().path("Condition");
            if (condition.isTextual()) {
                used.add(condition.asText());
                if (!conditions.contains(condition.asText())) {
                    problems.add("Resources." + resource.getKey() + ".Condition: no condition " + condition.asText());
                }
            }
            JsonNode dependsOn = resource.getValue().path("DependsOn");
            for (JsonNode target : dependsOn.isArray() ? dependsOn : List.of(dependsOn)) {
                if (target.isTextual() && !resources.contains(target.asText())) {
                    problems.add("Resources." + resource.getKey() + ".DependsOn: no resource " + target.asText());
                }
            }
        }
        for (String parameter : parameters) {
            if (!used.contains(parameter)) {
                problems.add("Parameters." + parameter + " is never used");
            }
        }
        for (String condition : conditions) {
            if (!used.contains(condition)) {
                problems.add("Conditions." + condition + " is never used");
            }
        }
        return problems;
    }

    /** References SAM resolves itself: Function.Alias / .Version (with AutoPublishAlias), Api.Stage / .Deployment, generated roles. */
    static Set<String> samGeneratedReferences(SamTemplate template) {
        Set<String> refs = new HashSet<>();
        for (String function : template.resourcesOfType(SamTemplate.FUNCTION)) {
            JsonNode props = template.functionProperties(function);
            if (props.has("AutoPublishAlias")) {
                refs.add(function + ".Alias");
                refs.add(function + ".Version");
            }
            if (!props.has("Role")) {
                refs.add(function + "Role");
            }
        }
        for (String api : template.resourcesOfType(SamTemplate.API)) {
            refs.add(api + ".Stage");
            refs.add(api + ".Deployment");
        }
        return refs;
    }

    private record Walker(SamTemplate template, Set<String> refTargets, Set<String> resources, Set<String> conditions,
                          Set<String> mappings, Set<String> samRefs, List<String> problems, Set<String> used) {

        void walk(JsonNode node, String path) {
            if (node.isArray()) {
                for (int i = 0; i < node.size(); i++) {
                    walk(node.get(i), path + "[" + i + "]");
                }
                return;
            }
            if (!node.isObject()) {
                return;
            }
            if (SamTemplate.isIntrinsic(node)) {
                String fn = node.fieldNames().next();
                JsonNode arg = node.get(fn);
                switch (fn) {
                    case "Ref" -> ref(arg.asText(), path);
                    case "Condition" -> condition(arg.asText(), path);
                    case "Fn::GetAtt" -> getAtt(arg, path);
                    case "Fn::Sub" -> sub(arg, path);
                    case "Fn::If" -> condition(arg.path(0).asText(), path);
                    case "Fn::FindInMap" -> {
                        if (arg.path(0).isTextual() && !mappings.contains(arg.path(0).asText())) {
                            problems.add(path + ": Fn::FindInMap names no mapping " + arg.path(0).asText());
                        }
                    }
                    default -> {
                    }
                }
                if (!fn.equals("Fn::Sub")) {
                    walk(arg, path + "." + fn);
                }
                return;
            }
            node.fields().forEachRemaining(e -> walk(e.getValue(), path + "." + e.getKey()));
        }

        private void ref(String name, String path) {
            used.add(name);
            if (!refTargets.contains(name)) {
                problems.add(path + ": Ref to unknown " + name);
            }
        }

        private void condition(String name, String path) {
            used.add(name);
            if (!conditions.contains(name)) {
                problems.add(path + ": no condition " + name);
            }
        }

        private void getAtt(JsonNode arg, String path) {
            String resource = arg.path(0).asText();
            String attribute = arg.path(1).asText();
            attribute(resource, attribute, path);
        }

        private void attribute(String resource, String attribute, String path) {
            used.add(resource);
            if (!resources.contains(resource) && !samRefs.contains(resource)) {
                problems.add(path + ": GetAtt on unknown resource " + resource + "." + attribute);
                return;
            }
            if (!resources.contains(resource)) {
                // A resource SAM generates (a function's role): its IAM::Role attributes.
                if (resource.endsWith("Role") && !ATTRIBUTES.get("AWS::IAM::Role").contains(attribute)) {
                    problems.add(path + ": the generated role " + resource + " has no attribute " + attribute);
                }
                return;
            }
            Set<String> known = ATTRIBUTES.get(template.type(resource));
            if (known != null && !known.contains(attribute)) {
                problems.add(path + ": " + template.type(resource) + " " + resource + " has no attribute " + attribute + " (known: " + known + ")");
            }
        }

        private void sub(JsonNode arg, String path) {
            String text;
            Set<String> local = new HashSet<>();
            if (arg.isArray()) {
                text = arg.path(0).asText();
                arg.path(1).fieldNames().forEachRemaining(local::add);
                walk(arg.path(1), path + ".Fn::Sub[1]");
            } else {
                text = arg.asText();
            }
            Matcher m = SUB_VARIABLE.matcher(text);
            while (m.find()) {
                String name = m.group(1).trim();
                if (name.startsWith("!") || local.contains(name)) {
                    continue; // ${!Literal} or a variable of the Sub's own map
                }
                if (refTargets.contains(name)) {
                    used.add(name);
                } else if (name.contains(".") && !name.startsWith("AWS::")) {
                    int dot = name.indexOf('.');
                    attribute(name.substring(0, dot), name.substring(dot + 1), path + ".Fn::Sub");
                } else {
                    problems.add(path + ": Fn::Sub variable ${" + name + "} names nothing in the template");
                }
            }
        }
    }

    // ------------------------------------------------------------------ environment

    /**
     * The environment the template gives each function matches what its code reads: every variable
     * read with Env.require/get/getInt (or System.getenv) in the function's module or its layers is
     * set, and every variable set is mentioned by that code.
     */
    public static List<String> environmentProblems(SamTemplate template, Path root) {
        List<String> problems = new ArrayList<>();
        for (String function : template.resourcesOfType(SamTemplate.FUNCTION)) {
            JsonNode props = template.functionProperties(function);
            List<Path> sourceRoots = new ArrayList<>();
            sourceRoots.add(root.resolve(props.path("CodeUri").asText()).resolve("src/main/java"));
            for (JsonNode layerRef : props.path("Layers")) {
                referencedLogicalId(layerRef)
                        .filter(layer -> SamTemplate.LAYER.equals(template.type(layer)))
                        .map(layer -> template.resource(layer).path("Properties").path("ContentUri").asText())
                        .ifPresent(contentUri -> sourceRoots.add(root.resolve(contentUri).resolve("src/main/java")));
            }
            String code = javaSources(sourceRoots);
            Set<String> read = new TreeSet<>();
            Matcher m = ENV_READ.matcher(code);
            while (m.find()) {
                read.add(m.group(1));
            }
            Map<String, JsonNode> environment = template.environment(function);
            Set<String> set = environment.keySet();
            for (String name : read) {
                if (!set.contains(name) && !name.startsWith("AWS_")) {
                    problems.add(function + ": the code reads " + name + " but the template does not set it");
                }
            }
            for (String name : set) {
                // The AWS SDK's endpoints for sam local, which a deploy never sets: the SDK reads them.
                if (!RUNTIME_VARIABLES.contains(name) && !SamLocalVariables.declaredForSamLocalOnly(template, name, environment.get(name))
                        && !code.contains("\"" + name + "\"")) {
                    problems.add(function + ": the template sets " + name + " but the function's code never reads it");
                }
            }
        }
        return problems;
    }

    private static String javaSources(List<Path> roots) {
        StringBuilder all = new StringBuilder();
        for (Path dir : roots) {
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path file : files.filter(f -> f.toString().endsWith(".java")).sorted().toList()) {
                    all.append(Files.readString(file)).append('\n');
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return all.toString();
    }

    // ------------------------------------------------------------------ IAM

    /**
     * Inline policy statements of every function: each has a Sid (unique within the function); an
     * Allow never grants a wildcard action or the resource "*".
     */
    public static List<String> policyProblems(SamTemplate template) {
        List<String> problems = new ArrayList<>();
        for (String function : template.resourcesOfType(SamTemplate.FUNCTION)) {
            JsonNode policies = template.functionProperties(function).path("Policies");
            Set<String> sids = new LinkedHashSet<>();
            for (JsonNode policy : policies.isArray() ? policies : List.of(policies)) {
                if (policy.isMissingNode()) {
                    continue;
                }
                if (policy.isTextual()) {
                    problems.add(function + ": managed policy " + policy.asText() + " (use inline statements with exact resources)");
                    continue;
                }
                if (!policy.has("Statement")) {
                    continue; // a SAM policy template such as {S3ReadPolicy: {BucketName: !Ref X}}
                }
                for (JsonNode statement : policy.path("Statement")) {
                    String sid = statement.path("Sid").asText("");
                    if (sid.isEmpty()) {
                        problems.add(function + ": a policy statement has no Sid: " + statement);
                    } else if (!sids.add(sid)) {
                        problems.add(function + ": duplicate Sid " + sid);
                    }
                    if (!"Allow".equals(statement.path("Effect").asText())) {
                        continue;
                    }
                    for (JsonNode action : asList(statement.path("Action"))) {
                        if (action.asText().contains("*")) {
                            problems.add(function + ": statement " + sid + " allows wildcard action " + action.asText());
                        }
                    }
                    if (statement.has("NotAction") || statement.has("NotResource")) {
                        problems.add(function + ": statement " + sid + " uses NotAction/NotResource");
                    }
                    JsonNode resource = statement.path("Resource");
                    if (resource.isMissingNode()) {
                        problems.add(function + ": statement " + sid + " has no Resource");
                    }
                    for (JsonNode r : asList(resource)) {
                        String text = r.isTextual() ? r.asText() : r.path("Fn::Sub").isTextual() ? r.path("Fn::Sub").asText() : null;
                        if ("*".equals(text) || (text != null && text.endsWith(":*:*"))) {
                            problems.add(function + ": statement " + sid + " allows every resource (" + text + ")");
                        }
                    }
                }
            }
        }
        return problems;
    }

    private static List<JsonNode> asList(JsonNode node) {
        if (node.isMissingNode()) {
            return List.of();
        }
        if (node.isArray()) {
            List<JsonNode> items = new ArrayList<>();
            node.forEach(items::add);
            return items;
        }
        return List.of(node);
    }
}
