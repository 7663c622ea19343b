package com.onboardingexport.it.template;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayCustomAuthorizerEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import com.networknt.schema.JsonSchema;
import com.onboardingexport.export.model.ExportRequestParser;
import com.onboardingexport.local.template.CloudFormationYaml;
import com.onboardingexport.local.template.SamTemplate;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Checks template.yaml, samconfig.toml and events/ without AWS: the official SAM schema, handlers
 * and code folders against the built modules, references, IAM, the security settings the README promises,
 * and the sample events parsed by the same serializer the Lambda Java runtime uses.
 * Each check also runs on a deliberately broken copy, to show it can fail.
 */
class TemplateIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Path root;
    private static SamTemplate template;
    private static JsonSchema samSchema;

    @BeforeAll
    static void load() throws IOException {
        root = projectRoot();
        template = new SamTemplate(CloudFormationYaml.read(root.resolve("template.yaml")));
        samSchema = TemplateChecks.samSchema(
                JSON.readTree(root.resolve("integration-tests/src/test/resources/sam-schema/sam.schema.json").toFile()));
    }

    static Path projectRoot() {
        String property = System.getProperty("project.root");
        Path start = property != null && !property.isBlank() ? Path.of(property) : Path.of("").toAbsolutePath();
        for (Path dir = start.toAbsolutePath().normalize(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("template.yaml"))) {
                return dir;
            }
        }
        throw new IllegalStateException("No template.yaml in " + start + " or above it (set -Dproject.root)");
    }

    private static SamTemplate copy() {
        return new SamTemplate(template.json().deepCopy());
    }

    private static ObjectNode properties(SamTemplate t, String logicalId) {
        return (ObjectNode) t.json().path("Resources").path(logicalId).path("Properties");
    }

    // ================================================================== the real template

    @Nested
    @DisplayName("template.yaml")
    class RealTemplate {
        @Test
        @DisplayName("validates against the official SAM JSON schema with zero errors")
        void schema() {
            assertEquals(List.of(), TemplateChecks.schemaProblems(samSchema, template.json()));
        }

        @Test
        @DisplayName("every Handler is a loadable class of its CodeUri with a handler method for its events")
        void handlers() {
            assertEquals(List.of(), TemplateChecks.handlerProblems(template, root, Thread.currentThread().getContextClassLoader()));
        }

        @Test
        @DisplayName("every CodeUri/ContentUri is a Maven folder of the project; layers fit their functions")
        void codeUris() {
            assertEquals(List.of(), TemplateChecks.codeUriProblems(template, root));
        }

        @Test
        @DisplayName("every Ref, GetAtt, Sub variable, If and DependsOn names something real; nothing unused")
        void references() {
            assertEquals(List.of(), TemplateChecks.referenceProblems(template));
        }

        @Test
        @DisplayName("each function gets exactly the environment variables its code reads")
        void environment() {
            assertEquals(List.of(), TemplateChecks.environmentProblems(template, root));
        }

        @Test
        @DisplayName("every policy statement has a Sid, and no Allow grants * actions or resources")
        void policies() {
            assertEquals(List.of(), TemplateChecks.policyProblems(template));
        }
    }

    // ================================================================== the checks can fail

    @Nested
    @DisplayName("the checks catch a broken template")
    class BrokenCopies {
        @Test
        @DisplayName("a renamed handler class is reported")
        void renamedHandlerClass() {
            SamTemplate broken = copy();
            properties(broken, "AuthorizerFunction").put("Handler", "com.onboardingexport.authorizer.AuthoriserHandler::handleRequest");
            List<String> problems = TemplateChecks.handlerProblems(broken, root, Thread.currentThread().getContextClassLoader());
            assertEquals(1, problems.size(), problems::toString);
            assertTrue(problems.get(0).startsWith("AuthorizerFunction: Handler class com.onboardingexport.authorizer.AuthoriserHandler is not on the classpath"),
                    problems.get(0));
        }

        @Test
        @DisplayName("a renamed handler method is reported")
        void renamedHandlerMethod() {
            SamTemplate broken = copy();
            properties(broken, "ExportFunction").put("Handler", "com.onboardingexport.export.api.ExportHandler::handle");
            List<String> problems = TemplateChecks.handlerProblems(broken, root, Thread.currentThread().getContextClassLoader());
            assertEquals(List.of("ExportFunction: Handler class com.onboardingexport.export.api.ExportHandler has no public method"
                    + " handle(Event[, Context]) or handle(InputStream, OutputStream[, Context])"), problems);
        }

        @Test
        @DisplayName("a handler that is not in its function's CodeUri is reported")
        void handlerOfAnotherModule() {
            SamTemplate broken = copy();
            properties(broken, "AuthorizerFunction").put("CodeUri", "functions/export");
            List<String> problems = TemplateChecks.handlerProblems(broken, root, Thread.currentThread().getContextClassLoader());
            assertFalse(problems.isEmpty());
            assertTrue(problems.stream().allMatch(p -> p.startsWith("AuthorizerFunction: Handler class com.onboardingexport.authorizer.AuthorizerHandler")),
                    problems::toString);
        }

        @Test
        @DisplayName("a handler typed for the wrong event is reported")
        void handlerOfTheWrongType() {
            SamTemplate broken = copy();
            // The authorizer's class wired to the REST API routes (and no longer an authorizer).
            properties(broken, "ExportFunction").put("Handler", "com.onboardingexport.authorizer.AuthorizerHandler::handleRequest");
            properties(broken, "ExportFunction").put("CodeUri", "functions/authorizer");
            ((ObjectNode) properties(broken, "ExportFunction").path("Events")).remove("WeeklyAllCampaigns");
            List<String> problems = TemplateChecks.handlerProblems(broken, root, Thread.currentThread().getContextClassLoader());
            assertTrue(problems.contains("ExportFunction: REST API proxy events need APIGatewayProxyRequestEvent, handler takes "
                    + APIGatewayCustomAuthorizerEvent.class.getName()), problems::toString);
        }

        @Test
        @DisplayName("a missing CodeUri folder is reported")
        void missingCodeUri() {
            SamTemplate broken = copy();
            properties(broken, "ExportFunction").put("CodeUri", "functions/exporter");
            assertEquals(List.of("ExportFunction: CodeUri functions/exporter does not exist"),
                    TemplateChecks.codeUriProblems(broken, root));
        }

        @Test
        @DisplayName("a property SAM does not know is a schema error")
        void schemaError() {
            SamTemplate broken = copy();
            properties(broken, "ExportFunction").put("Handlr", "x");
            List<String> problems = TemplateChecks.schemaProblems(samSchema, broken.json());
            assertTrue(problems.stream().anyMatch(p -> p.contains("Handlr")), problems::toString);
        }

        @Test
        @DisplayName("a mistyped value is a schema error")
        void schemaTypeError() {
            SamTemplate broken = copy();
            ((ObjectNode) properties(broken, "ExportApi").path("Auth")).put("DefaultAuthorizer", 42);
            assertFalse(TemplateChecks.schemaProblems(samSchema, broken.json()).isEmpty());
        }

        @Test
        @DisplayName("Ref, GetAtt and Sub to unknown names are reported")
        void unknownReferences() {
            SamTemplate broken = copy();
            ObjectNode env = (ObjectNode) properties(broken, "ExportFunction").path("Environment").path("Variables");
            env.set("EXPORT_BUCKET", JSON.createObjectNode().put("Ref", "ExportBuckett"));
            env.set("LINK_TTL_SECONDS", JSON.createObjectNode().put("Fn::Sub", "${ExportBucket.Arnn}"));
            env.set("MAX_CAMPAIGN_IDS", JSON.createObjectNode().put("Fn::Sub", "${NoSuchParameter}"));
            ((ObjectNode) properties(broken, "ExportWorkerFunction").path("Environment").path("Variables")).remove("LINK_TTL_SECONDS");
            ((ObjectNode) properties(broken, "ExportFailureFunction").path("Environment").path("Variables")).remove("LINK_TTL_SECONDS");
            ((ObjectNode) properties(broken, "ExportScheduledFunction").path("Environment").path("Variables")).remove("LINK_TTL_SECONDS");
            List<String> problems = TemplateChecks.referenceProblems(broken);
            assertAll(
                    () -> assertTrue(problems.stream().anyMatch(p -> p.endsWith("Ref to unknown ExportBuckett")), problems::toString),
                    () -> assertTrue(problems.stream().anyMatch(p -> p.contains("has no attribute Arnn")), problems::toString),
                    () -> assertTrue(problems.stream().anyMatch(p -> p.contains("${NoSuchParameter}")), problems::toString),
                    () -> assertTrue(problems.contains("Parameters.LinkTtlSeconds is never used"), problems::toString));
        }

        @Test
        @DisplayName("an AWS SDK endpoint variable that a deploy would set is reported")
        void sdkEndpointForEveryDeploy() {
            SamTemplate broken = copy();
            ((ObjectNode) properties(broken, "ExportFunction").path("Environment").path("Variables"))
                    .put("AWS_ENDPOINT_URL_S3", "http://localhost:4566");
            assertEquals(List.of("ExportFunction: the template sets AWS_ENDPOINT_URL_S3 but the function's code never reads it"),
                    TemplateChecks.environmentProblems(broken, root));
        }

        @Test
        @DisplayName("an environment variable the code needs but the template lacks is reported")
        void missingEnvironmentVariable() {
            SamTemplate broken = copy();
            ((ObjectNode) properties(broken, "ExportFunction").path("Environment").path("Variables")).remove("EXPORT_BUCKET");
            ((ObjectNode) properties(broken, "AuthorizerFunction").path("Environment").path("Variables")).put("USER_CACHE_SECS", "60");
            assertEquals(List.of(
                            "AuthorizerFunction: the template sets USER_CACHE_SECS but the function's code never reads it",
                            "ExportFunction: the code reads EXPORT_BUCKET but the template does not set it"),
                    TemplateChecks.environmentProblems(broken, root).stream().sorted().toList());
        }

        @Test
        @DisplayName("a wildcard grant or a statement without Sid is reported")
        void wildcardPolicy() {
            SamTemplate broken = copy();
            ArrayNode statements = (ArrayNode) properties(broken, "ExportFunction").path("Policies").path(0).path("Statement");
            statements.addObject().put("Sid", "Everything").put("Effect", "Allow").put("Action", "s3:*").put("Resource", "*");
            statements.addObject().put("Effect", "Allow").put("Action", "s3:GetObject").put("Resource", "arn:aws:s3:::b/k");
            List<String> problems = TemplateChecks.policyProblems(broken);
            assertAll(
                    () -> assertTrue(problems.contains("ExportFunction: statement Everything allows wildcard action s3:*"), problems::toString),
                    () -> assertTrue(problems.contains("ExportFunction: statement Everything allows every resource (*)"), problems::toString),
                    () -> assertTrue(problems.stream().anyMatch(p -> p.startsWith("ExportFunction: a policy statement has no Sid")), problems::toString));
        }
    }

    // ================================================================== the YAML reader

    @Test
    @DisplayName("CloudFormation short tags become their long JSON form")
    void shortTags() throws IOException {
        JsonNode parsed = CloudFormationYaml.parse("""
                a: !Ref X
                b: !GetAtt Bucket.Arn
                c: !Sub "${X}-y"
                d: !Sub ["${A}", {A: !Ref X}]
                e: !If [C, !Ref AWS::NoValue, [!Select [0, !Split [",", !Join [",", [p, q]]]]]]
                f: !Not [!Equals [!Ref X, "true"]]
                g: !GetAtt Api.RootResourceId
                """);
        assertEquals(JSON.readTree("""
                {"a": {"Ref": "X"},
                 "b": {"Fn::GetAtt": ["Bucket", "Arn"]},
                 "c": {"Fn::Sub": "${X}-y"},
                 "d": {"Fn::Sub": ["${A}", {"A": {"Ref": "X"}}]},
                 "e": {"Fn::If": ["C", {"Ref": "AWS::NoValue"},
                       [{"Fn::Select": [0, {"Fn::Split": [",", {"Fn::Join": [",", ["p", "q"]]}]}]}]]},
                 "f": {"Fn::Not": [{"Fn::Equals": [{"Ref": "X"}, "true"]}]},
                 "g": {"Fn::GetAtt": ["Api", "RootResourceId"]}}
                """), parsed);
    }

    // ================================================================== what the README promises of the template

    @Nested
    @DisplayName("template.yaml says what the README says")
    class Design {
        @Test
        @DisplayName("every function: java21, SnapStart on published versions behind an alias, the shared layer")
        void functions() {
            List<String> functions = template.resourcesOfType(SamTemplate.FUNCTION);
            assertEquals(List.of("AuthorizerFunction", "ExportFunction", "ExportWorkerFunction", "ExportScheduledFunction",
                    "ExportFailureFunction"), functions);
            for (String function : functions) {
                JsonNode props = template.functionProperties(function);
                assertAll(function,
                        () -> assertEquals("java21", props.path("Runtime").asText()),
                        () -> assertEquals("PublishedVersions", props.path("SnapStart").path("ApplyOn").asText()),
                        () -> assertEquals("live", props.path("AutoPublishAlias").asText()),
                        () -> assertEquals(JSON.readTree("[{\"Ref\":\"SharedLayer\"}]"), props.path("Layers")),
                        () -> assertTrue(props.path("MemorySize").asInt() >= 512, "MemorySize"),
                        () -> assertTrue(props.path("Timeout").asInt() > 0, "Timeout"));
            }
            assertEquals(900, template.functionProperties("ExportWorkerFunction").path("Timeout").asInt(),
                    "the worker needs Lambda's full 15 minutes for background exports");
            assertEquals(900, template.functionProperties("ExportScheduledFunction").path("Timeout").asInt(),
                    "scheduled exports get Lambda's full 15 minutes too");
            assertTrue(template.functionProperties("ExportFunction").path("Timeout").asInt() <= 30,
                    "the API function answers HTTP only: a timeout that fits API Gateway's 29 s");
        }

        @Test
        @DisplayName("the routes, all behind the API's default TOKEN authorizer, which is called through its alias and cached")
        void api() {
            assertEquals(Map.of("POST /exports/onboarding", "ExportFunction", "GET /exports/onboarding/{export_id}", "ExportFunction",
                            "OPTIONS /exports/onboarding", "ExportFunction", "OPTIONS /exports/onboarding/{export_id}", "ExportFunction"),
                    template.routes());
            template.events("ExportFunction", "Api").forEach((id, api) -> {
                assertEquals(JSON.createObjectNode().put("Ref", "ExportApi"), api.path("RestApiId"), id);
                if (api.path("Method").asText().equals("options")) {
                    // CORS preflights carry no token; HardeningTemplateIT.cors checks them.
                    assertEquals(JSON.createObjectNode().put("Authorizer", "NONE"), api.path("Auth"), id);
                } else {
                    assertTrue(api.path("Auth").isMissingNode(), id + " must not override the default authorizer");
                }
            });
            JsonNode auth = template.resource("ExportApi").path("Properties").path("Auth");
            String name = auth.path("DefaultAuthorizer").asText();
            JsonNode authorizer = auth.path("Authorizers").path(name);
            assertAll(
                    () -> assertEquals("TOKEN", authorizer.path("FunctionPayloadType").asText("TOKEN")),
                    () -> assertEquals(JSON.createObjectNode().put("Ref", "AuthorizerFunction.Alias"), authorizer.path("FunctionArn")),
                    () -> assertEquals("Authorization", authorizer.path("Identity").path("Header").asText()),
                    () -> assertEquals(JSON.createObjectNode().put("Ref", "AuthorizerCacheSeconds"),
                            authorizer.path("Identity").path("ReauthorizeEvery")));
            Pattern validation = Pattern.compile(authorizer.path("Identity").path("ValidationExpression").asText(".*"));
            assertAll("ValidationExpression",
                    () -> assertTrue(validation.matcher("Bearer eyJhbGciOiJIUzI1NiJ9.eyJpZCI6MX0.c2lnbmF0dXJl").matches()),
                    () -> assertTrue(validation.matcher("bearer a-b_c.d-e_f.g-h_i").matches()),
                    () -> assertFalse(validation.matcher("eyJhbGciOiJIUzI1NiJ9.eyJpZCI6MX0.c2ln").matches()),
                    () -> assertFalse(validation.matcher("Basic dXNlcjpwYXNz").matches()),
                    () -> assertFalse(validation.matcher("Bearer <placeholder>").matches()));
        }

        @Test
        @DisplayName("gateway responses give API Gateway's own 401/403/4XX/5XX the error JSON of the README")
        void gatewayResponses() throws IOException {
            JsonNode responses = template.resource("ExportApi").path("Properties").path("GatewayResponses");
            Map<String, Integer> required = Map.of("UNAUTHORIZED", 401, "ACCESS_DENIED", 403, "DEFAULT_4XX", 400, "DEFAULT_5XX", 500);
            required.forEach((type, status) -> assertTrue(responses.has(type), "missing gateway response " + type));
            for (var it = responses.fields(); it.hasNext(); ) {
                var entry = it.next();
                int status = entry.getValue().path("StatusCode").asInt();
                String body = entry.getValue().path("ResponseTemplates").path("application/json").asText();
                // What API Gateway substitutes: $context.error.messageString is already a quoted JSON string.
                JsonNode json = JSON.readTree(body.replace("$context.error.messageString", "\"Some message\""));
                JsonNode error = json.path("error");
                assertAll(entry.getKey(),
                        () -> assertEquals(Set.of("error"), fieldNames(json)),
                        () -> assertEquals(Set.of("status", "code", "message", "request_id"), fieldNames(error)),
                        () -> assertEquals(status, error.path("status").asInt()),
                        () -> assertTrue(error.path("status").isInt()),
                        () -> assertTrue(error.path("code").asText().matches("[A-Z_]+")),
                        () -> assertFalse(error.path("message").asText().isBlank()),
                        () -> assertEquals("$context.requestId", error.path("request_id").asText()));
                if (required.containsKey(entry.getKey())) {
                    assertEquals(required.get(entry.getKey()), status, entry.getKey());
                }
            }
            assertEquals("UNAUTHORIZED", JSON.readTree(responses.path("UNAUTHORIZED").path("ResponseTemplates").path("application/json").asText())
                    .path("error").path("code").asText());
            assertEquals("FORBIDDEN", JSON.readTree(responses.path("ACCESS_DENIED").path("ResponseTemplates").path("application/json").asText())
                    .path("error").path("code").asText());
        }

        @Test
        @DisplayName("the bucket is private, encrypted, TLS-only, and expires every prefix the function writes")
        void bucket() {
            JsonNode bucket = template.resource("ExportBucket").path("Properties");
            JsonNode block = bucket.path("PublicAccessBlockConfiguration");
            assertAll(
                    () -> assertEquals(4, block.size()),
                    () -> block.forEach(flag -> assertTrue(flag.asBoolean(), block.toString())),
                    () -> assertEquals("BucketOwnerEnforced", bucket.path("OwnershipControls").path("Rules").path(0).path("ObjectOwnership").asText()),
                    () -> assertFalse(bucket.path("BucketEncryption").path("ServerSideEncryptionConfiguration").path(0)
                            .path("ServerSideEncryptionByDefault").path("SSEAlgorithm").asText().isEmpty()));

            Set<String> expired = new TreeSet<>();
            for (JsonNode rule : bucket.path("LifecycleConfiguration").path("Rules")) {
                if (rule.has("ExpirationInDays")) {
                    // Markers of running exports live a day at most (a finished run deletes its own); so do
                    // Idempotency-Key records, honoured for 24 hours.
                    JsonNode days = Set.of("running/", "idempotency/").contains(rule.path("Prefix").asText())
                            ? JSON.getNodeFactory().numberNode(1) : JSON.createObjectNode().put("Ref", "RetentionDays");
                    assertEquals(days, rule.path("ExpirationInDays"));
                    assertEquals("Enabled", rule.path("Status").asText());
                    expired.add(rule.path("Prefix").asText());
                }
            }
            assertEquals(Set.of("exports/", "scheduled/", "status/", "running/", "idempotency/"), expired);
            // Every object prefix the export functions may write is one that expires, but the
            // schedules' high-water marks (schedules/), which a since_last_run schedule needs for as long as it runs.
            Set<String> written = new TreeSet<>();
            for (String function : List.of("ExportFunction", "ExportWorkerFunction", "ExportScheduledFunction")) {
                for (JsonNode statement : template.functionProperties(function).path("Policies").path(0).path("Statement")) {
                    if (statement.toString().contains("s3:PutObject")) {
                        statement.path("Resource").forEach(r -> {
                            Matcher m = Pattern.compile("^\\$\\{ExportBucket\\.Arn}/([a-z]+/)\\*$").matcher(r.path("Fn::Sub").asText());
                            assertTrue(m.matches(), "write resource " + r);
                            written.add(m.group(1));
                        });
                    }
                }
            }
            assertTrue(written.remove("schedules/"), written.toString());
            assertEquals(expired, written);

            JsonNode policy = template.resource("ExportBucketPolicy").path("Properties");
            assertEquals(JSON.createObjectNode().put("Ref", "ExportBucket"), policy.path("Bucket"));
            JsonNode tls = null;
            for (JsonNode statement : policy.path("PolicyDocument").path("Statement")) {
                if (statement.path("Condition").path("Bool").path("aws:SecureTransport").asText().equals("false")) {
                    tls = statement;
                }
            }
            assertNotNull(tls, "a statement denying aws:SecureTransport=false");
            assertEquals("Deny", tls.path("Effect").asText());
            assertEquals("s3:*", tls.path("Action").asText());
            assertEquals(JSON.createArrayNode()
                            .add(JSON.createObjectNode().set("Fn::GetAtt", JSON.createArrayNode().add("ExportBucket").add("Arn")))
                            .add(JSON.createObjectNode().put("Fn::Sub", "${ExportBucket.Arn}/*")),
                    tls.path("Resource"));
        }

        @Test
        @DisplayName("secrets split by need: the functions that call Strapi read the API token, only the authorizer the JWT secret, the failure function none; the API function invokes only the worker")
        void leastPrivilege() {
            for (String function : template.resourcesOfType(SamTemplate.FUNCTION)) {
                Set<JsonNode> secretResources = new java.util.HashSet<>();
                template.functionProperties(function).path("Policies").path(0).path("Statement").forEach(statement -> {
                    if (statement.toString().contains("secretsmanager:")) {
                        assertEquals("secretsmanager:GetSecretValue", statement.path("Action").asText(), function);
                        secretResources.add(statement.path("Resource"));
                    }
                });
                Set<JsonNode> expected = function.equals("AuthorizerFunction")
                        ? Set.of(JSON.createObjectNode().put("Ref", "StrapiApiTokenSecretArn"), JSON.createObjectNode().put("Ref", "JwtSecretArn"))
                        : function.equals("ExportFailureFunction") ? Set.of() // it closes statuses, and calls no Strapi
                        : Set.of(JSON.createObjectNode().put("Ref", "StrapiApiTokenSecretArn"));
                assertEquals(expected, secretResources, function);
                boolean seesJwtSecretArn = template.functionProperties(function).path("Environment").path("Variables").has("JWT_SECRET_ARN")
                        || template.section("Globals").path("Function").path("Environment").path("Variables").has("JWT_SECRET_ARN");
                assertEquals(function.equals("AuthorizerFunction"), seesJwtSecretArn, function);
            }
            String functionName = template.functionProperties("ExportWorkerFunction").path("FunctionName").path("Fn::Sub").asText();
            for (JsonNode statement : template.functionProperties("ExportFunction").path("Policies").path(0).path("Statement")) {
                if (statement.toString().contains("lambda:")) {
                    assertEquals("lambda:InvokeFunction", statement.path("Action").asText());
                    statement.path("Resource").forEach(r -> assertTrue(
                            r.path("Fn::Sub").asText().matches("arn:\\$\\{AWS::Partition}:lambda:\\$\\{AWS::Region}:\\$\\{AWS::AccountId}:function:"
                                    + Pattern.quote(functionName) + ":live"), "the worker's alias only: " + r));
                }
            }
        }

        @Test
        @DisplayName("parameters and outputs the README names")
        void parametersAndOutputs() {
            JsonNode parameters = template.section("Parameters");
            assertAll(
                    () -> assertTrue(parameters.has("StrapiUrl")),
                    () -> assertTrue(parameters.has("StrapiApiTokenSecretArn")),
                    () -> assertTrue(parameters.has("JwtSecretArn")),
                    () -> assertEquals(900, parameters.path("LinkTtlSeconds").path("Default").asInt()),
                    () -> assertEquals(3600, parameters.path("LinkTtlSeconds").path("MaxValue").asInt()),
                    () -> assertEquals(7, parameters.path("RetentionDays").path("Default").asInt()),
                    () -> assertEquals("dev", parameters.path("StageName").path("Default").asText()),
                    () -> assertEquals("false", parameters.path("ScheduleEnabled").path("Default").asText()),
                    () -> assertTrue(parameters.has("ScheduleExpression")));
            Pattern secretArn = Pattern.compile(parameters.path("StrapiApiTokenSecretArn").path("AllowedPattern").asText());
            assertEquals(parameters.path("StrapiApiTokenSecretArn").path("AllowedPattern"), parameters.path("JwtSecretArn").path("AllowedPattern"));
            assertTrue(secretArn.matcher("arn:aws:secretsmanager:eu-west-1:123456789012:secret:onboarding-export/dev-AbC123").matches());
            assertFalse(secretArn.matcher("arn:aws:secretsmanager:eu-west-1:123456789012:secret:onboarding-export/dev").matches(),
                    "a partial ARN would not match the IAM policy's resource");
            Pattern strapiUrl = Pattern.compile(parameters.path("StrapiUrl").path("AllowedPattern").asText());
            assertTrue(strapiUrl.matcher("https://strapi.example.com").matches());
            assertTrue(strapiUrl.matcher("https://10.0.0.5:1337/cms").matches());
            assertFalse(strapiUrl.matcher("http://strapi.example.com").matches(), "the API token never travels in clear");
            assertFalse(strapiUrl.matcher("https://strapi.example.com/").matches());

            JsonNode outputs = template.section("Outputs");
            assertAll(
                    () -> assertTrue(outputs.path("ExportApiUrl").path("Value").path("Fn::Sub").asText()
                            .matches("https://\\$\\{ExportApi}\\.execute-api\\.\\$\\{AWS::Region}\\.\\$\\{AWS::URLSuffix}/\\$\\{StageName}/exports/onboarding")),
                    () -> assertEquals(JSON.createObjectNode().put("Ref", "ExportBucket"), outputs.path("ExportBucketName").path("Value")),
                    () -> assertTrue(outputs.has("AuthorizerFunctionArn")),
                    () -> assertTrue(outputs.has("ExportFunctionArn")));
        }

        @Test
        @DisplayName("the sample schedule sends exactly events/scheduled-export.json, which the export parser accepts, and is off by default")
        void schedule() throws IOException {
            assertTrue(template.events("ExportFunction", "ScheduleV2").isEmpty(), "schedules run in a function of their own");
            assertTrue(template.events("ExportWorkerFunction", "ScheduleV2").isEmpty(), "never behind the users' background exports");
            Map<String, JsonNode> schedules = template.events("ExportScheduledFunction", "ScheduleV2");
            assertEquals(1, schedules.size(), schedules::toString);
            JsonNode schedule = schedules.values().iterator().next();
            JsonNode input = JSON.readTree(schedule.path("Input").asText());
            JsonNode event = JSON.readTree(root.resolve("events/scheduled-export.json").toFile());
            assertEquals(event, input);
            assertEquals("<aws.scheduler.scheduled-time>", input.path("scheduled_time").asText(), "the Scheduler fills in each tick's time");
            assertEquals(Set.of("schedule_name", "scheduled_time", "campaign_ids", "date_range", "file_format"), fieldNames(input));

            assertEquals(JSON.readTree("{\"Fn::If\": [\"ScheduleOn\", \"ENABLED\", \"DISABLED\"]}"), schedule.path("State"));
            assertEquals(JSON.readTree("{\"Fn::Equals\": [{\"Ref\": \"ScheduleEnabled\"}, \"true\"]}"),
                    template.section("Conditions").path("ScheduleOn"));

            // The export function's own request parser (the handler's path for a scheduled event) accepts it.
            new ExportRequestParser(100, Clock.systemUTC()).parse(input, Set.of("schedule_name", "scheduled_time"));
        }

        @Test
        @DisplayName("samconfig.toml: cached parallel build, a dev deploy whose overrides name real parameters")
        void samconfig() throws IOException {
            JsonNode config = new TomlMapper().readTree(root.resolve("samconfig.toml").toFile());
            JsonNode build = config.path("default").path("build").path("parameters");
            JsonNode deploy = config.path("default").path("deploy").path("parameters");
            assertAll(
                    // No cached builds: a change to the layer alone would reuse functions built against the old one.
                    () -> assertFalse(build.path("cached").asBoolean(true)),
                    () -> assertTrue(build.path("parallel").asBoolean()),
                    () -> assertTrue(config.path("default").path("validate").path("parameters").path("lint").asBoolean()),
                    () -> assertFalse(deploy.path("stack_name").asText().isEmpty()),
                    () -> assertTrue(deploy.path("capabilities").asText().contains("CAPABILITY_IAM")),
                    () -> assertTrue(deploy.path("confirm_changeset").asBoolean()),
                    () -> assertTrue(deploy.path("resolve_s3").asBoolean()));
            for (String env : List.of("default", "prod")) {
                JsonNode deployEnv = config.path(env).path("deploy").path("parameters");
                if (deployEnv.isMissingNode()) {
                    continue;
                }
                // The stack name prefixes names limited to 64 characters (functions, the schedule).
                String stack = deployEnv.path("stack_name").asText();
                int longestSuffix = template.resourcesOfType(SamTemplate.FUNCTION).stream()
                        .mapToInt(f -> template.functionProperties(f).path("FunctionName").path("Fn::Sub").asText()
                                .replace("${AWS::StackName}", "").length()).max().orElse(0);
                assertTrue(stack.matches("[A-Za-z][-A-Za-z0-9]*") && stack.length() + longestSuffix <= 64,
                        env + ": stack name " + stack + " must leave the longest function name at most 64 characters");
                assertEquals(49, 64 - longestSuffix, "README.md, samconfig.toml and template.yaml say stack names of at most 49 characters");
                Map<String, String> overrides = parameterOverrides(deployEnv.path("parameter_overrides").asText());
                JsonNode parameters = template.section("Parameters");
                for (var entry : overrides.entrySet()) {
                    JsonNode parameter = parameters.path(entry.getKey());
                    assertFalse(parameter.isMissingNode(), env + ": parameter_overrides names unknown parameter " + entry.getKey());
                    if (parameter.has("AllowedValues")) {
                        assertTrue(parameter.path("AllowedValues").toString().contains("\"" + entry.getValue() + "\""),
                                env + ": " + entry + " not in " + parameter.path("AllowedValues"));
                    }
                    if (parameter.has("MaxValue")) {
                        assertTrue(Double.parseDouble(entry.getValue()) <= parameter.path("MaxValue").asDouble(), env + ": " + entry);
                    }
                    if (parameter.has("AllowedPattern") && !entry.getKey().endsWith("SecretArn")) {
                        assertTrue(entry.getValue().matches(parameter.path("AllowedPattern").asText()), env + ": " + entry);
                    }
                }
                parameters.fields().forEachRemaining(p -> {
                    if (!p.getValue().has("Default")) {
                        assertTrue(overrides.containsKey(p.getKey()), env + ": no value for required parameter " + p.getKey());
                    }
                });
                // The placeholder is obvious, and CloudFormation refuses it rather than deploying with it.
                for (String name : List.of("StrapiApiTokenSecretArn", "JwtSecretArn")) {
                    String secret = overrides.get(name);
                    assertTrue(secret.contains("REPLACE"), secret);
                    assertFalse(secret.matches(parameters.path(name).path("AllowedPattern").asText()), secret);
                }
            }
        }
    }

    /** {@code Key="value" Other=value} as sam deploy reads parameter_overrides. */
    static Map<String, String> parameterOverrides(String text) {
        Map<String, String> values = new LinkedHashMap<>();
        Matcher m = Pattern.compile("(\\w+)=(?:\"([^\"]*)\"|(\\S+))").matcher(text);
        while (m.find()) {
            values.put(m.group(1), m.group(2) != null ? m.group(2) : m.group(3));
        }
        return values;
    }

    // ================================================================== events/

    /** Every file in events/ and the aws-lambda-java-events type (or JSON shape) it must parse into. */
    private static final Map<String, String> EVENTS = Map.of(
            "export-request.json", "api",
            "export-request-client.json", "api",
            "export-request-xlsx.json", "api",
            "export-status-request.json", "api",
            "authorizer-request.json", "authorizer",
            "scheduled-export.json", "schedule",
            "scheduled-export-client.json", "schedule",
            "scheduled-export-incremental.json", "schedule");

    @Nested
    @DisplayName("events/")
    class Events {
        @Test
        @DisplayName("holds exactly the known sample events")
        void everyFileIsKnown() throws IOException {
            Set<String> files = new TreeSet<>();
            try (Stream<Path> list = Files.list(root.resolve("events"))) {
                list.forEach(f -> files.add(f.getFileName().toString()));
            }
            assertEquals(new TreeSet<>(EVENTS.keySet()), files,
                    "every event file must be listed in TemplateIT.EVENTS so that it is checked");
        }

        @Test
        @DisplayName("the API requests parse into APIGatewayProxyRequestEvent and match a template route and the authorizer context")
        void apiRequests() {
            Map<String, String> routes = template.routes();
            String stage = template.section("Parameters").path("StageName").path("Default").asText();
            String adminRole = template.section("Parameters").path("AdminRoleType").path("Default").asText("admin");
            String clientRole = template.section("Parameters").path("ClientRoleType").path("Default").asText("client");
            ExportRequestParser parser = new ExportRequestParser(100, Clock.systemUTC());
            EVENTS.forEach((file, kind) -> {
                if (!kind.equals("api")) {
                    return;
                }
                APIGatewayProxyRequestEvent event = EventLoader.loadApiGatewayRestEvent(root.resolve("events").resolve(file).toString());
                var context = event.getRequestContext();
                Map<String, Object> authorizer = context.getAuthorizer();
                assertAll(file,
                        () -> assertTrue(routes.containsKey(event.getHttpMethod() + " " + event.getResource()),
                                event.getHttpMethod() + " " + event.getResource() + " is not a route of template.yaml " + routes.keySet()),
                        () -> assertEquals(event.getResource(), context.getResourcePath()),
                        () -> assertEquals(event.getHttpMethod(), context.getHttpMethod()),
                        () -> assertEquals(stage, context.getStage()),
                        () -> assertEquals("/" + stage + event.getPath(), context.getPath()),
                        () -> assertEquals(expandPath(event.getResource(), event.getPathParameters()), event.getPath()),
                        () -> assertNotNull(context.getRequestId()),
                        () -> assertNotNull(context.getIdentity().getSourceIp()),
                        () -> assertTrue(event.getHeaders().get("Authorization").startsWith("Bearer ")),
                        () -> assertEquals(event.getHeaders().keySet(), event.getMultiValueHeaders().keySet()),
                        () -> assertEquals(Set.of("principalId", "integrationLatency", "userId", "role", "clientId"), authorizer.keySet()),
                        () -> assertEquals(authorizer.get("principalId"), authorizer.get("userId")),
                        () -> assertTrue(Set.of(adminRole, clientRole).contains((String) authorizer.get("role"))),
                        () -> assertEquals(authorizer.get("role").equals(adminRole), "".equals(authorizer.get("clientId")),
                                "an admin has no client, a client user has one"),
                        () -> assertFalse(event.getIsBase64Encoded()));
                if ("POST".equals(event.getHttpMethod())) {
                    assertEquals("application/json", event.getHeaders().get("Content-Type"), file);
                    parser.parseBody(event.getBody()); // accepted by the export function
                } else {
                    assertEquals(null, event.getBody(), file);
                }
            });
            APIGatewayProxyRequestEvent admin = EventLoader.loadApiGatewayRestEvent(root.resolve("events/export-request.json").toString());
            assertEquals("{\"campaign_ids\":[],\"date_range\":\"last_30_days\",\"file_format\":\"csv\"}", admin.getBody());
            assertEquals("admin", admin.getRequestContext().getAuthorizer().get("role"));
            APIGatewayProxyRequestEvent client = EventLoader.loadApiGatewayRestEvent(root.resolve("events/export-request-client.json").toString());
            assertEquals("client", client.getRequestContext().getAuthorizer().get("role"));
        }

        @Test
        @DisplayName("the authorizer request parses into APIGatewayCustomAuthorizerEvent for a route of the template")
        void authorizerRequest() {
            APIGatewayCustomAuthorizerEvent event = EventLoader.loadAPIGatewayCustomAuthorizerEvent(
                    root.resolve("events/authorizer-request.json").toString());
            assertEquals("TOKEN", event.getType());
            assertTrue(event.getAuthorizationToken().startsWith("Bearer "), event.getAuthorizationToken());
            String stage = template.section("Parameters").path("StageName").path("Default").asText();
            Matcher arn = Pattern.compile("^arn:aws:execute-api:[a-z0-9-]+:\\d{12}:[a-z0-9]+/([^/]+)/([A-Z]+)(/.*)$").matcher(event.getMethodArn());
            assertTrue(arn.matches(), event.getMethodArn());
            assertEquals(stage, arn.group(1));
            String methodAndPath = arn.group(2) + " " + arn.group(3);
            assertTrue(template.routes().keySet().stream().anyMatch(route -> methodAndPath.matches(route.replaceAll("\\{[^/]+}", "[^/]+"))),
                    methodAndPath + " is not a route of template.yaml");
        }
    }

    private static String expandPath(String resource, Map<String, String> pathParameters) {
        String path = resource;
        if (pathParameters != null) {
            for (var p : pathParameters.entrySet()) {
                path = path.replace("{" + p.getKey() + "}", p.getValue());
            }
        }
        assertFalse(path.contains("{"), "unfilled path parameter in " + path);
        return path;
    }

    private static Set<String> fieldNames(JsonNode node) {
        Set<String> names = new TreeSet<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
