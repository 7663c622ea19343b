package com.onboardingexport.it.template;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.onboardingexport.local.template.CloudFormationYaml;
import com.onboardingexport.local.template.SamTemplate;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The worker in the template: its own function, failures that surface (dead-letter queue, alarms), timeouts that fit. */
class WorkerTemplateIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Path root;
    private static SamTemplate template;

    @BeforeAll
    static void load() throws IOException {
        root = TemplateIT.projectRoot();
        template = new SamTemplate(CloudFormationYaml.read(root.resolve("template.yaml")));
    }

    @Test
    @DisplayName("the worker: its own handler in the export module, 15 minutes, reserved concurrency; the API function hands work to its alias")
    void workerFunction() {
        JsonNode worker = template.functionProperties("ExportWorkerFunction");
        JsonNode api = template.functionProperties("ExportFunction");
        assertAll(
                () -> assertEquals(api.path("CodeUri"), worker.path("CodeUri"), "one module for both"),
                () -> assertEquals("com.onboardingexport.export.worker.ExportWorkerHandler::handleRequest", worker.path("Handler").asText()),
                () -> assertEquals(900, worker.path("Timeout").asInt()),
                () -> assertEquals(JSON.createObjectNode().put("Ref", "WorkerConcurrency"), worker.path("ReservedConcurrentExecutions")),
                () -> assertTrue(api.path("Timeout").asInt() <= 30),
                () -> assertEquals(worker.path("FunctionName").path("Fn::Sub").asText() + ":" + worker.path("AutoPublishAlias").asText("live"),
                        api.path("Environment").path("Variables").path("WORKER_FUNCTION_NAME").path("Fn::Sub").asText(),
                        "the worker's alias, by name"));
    }

    @Test
    @DisplayName("no retries, events at most 5 minutes old, failures to the failure function and from it to an SQS dead-letter queue; the deadline the code reports by matches")
    void eventInvokeConfig() throws IOException {
        JsonNode config = template.functionProperties("ExportWorkerFunction").path("EventInvokeConfig");
        JsonNode failure = template.functionProperties("ExportFailureFunction");
        JsonNode failureConfig = failure.path("EventInvokeConfig");
        assertAll(
                () -> assertEquals(0, config.path("MaximumRetryAttempts").asInt(-1)),
                () -> assertEquals(300, config.path("MaximumEventAgeInSeconds").asInt()),
                // The worker's failure records go to the failure function's alias, which closes the export...
                () -> assertEquals("Lambda", config.path("DestinationConfig").path("OnFailure").path("Type").asText()),
                () -> assertEquals(JSON.createObjectNode().put("Ref", "ExportFailureFunction.Alias"),
                        config.path("DestinationConfig").path("OnFailure").path("Destination")),
                () -> assertEquals("com.onboardingexport.export.failure.ExportFailureHandler::handleRequest", failure.path("Handler").asText()),
                () -> assertEquals(template.functionProperties("ExportWorkerFunction").path("CodeUri"), failure.path("CodeUri")),
                // ...and forwards them to the dead-letter queue, where its own failed runs land too.
                () -> assertEquals(JSON.createObjectNode().put("Ref", "ExportWorkerDeadLetterQueue"),
                        failure.path("Environment").path("Variables").path("DEAD_LETTER_QUEUE_URL")),
                () -> assertEquals("SQS", failureConfig.path("DestinationConfig").path("OnFailure").path("Type").asText()),
                () -> assertEquals(getAtt("ExportWorkerDeadLetterQueue", "Arn"),
                        normalise(failureConfig.path("DestinationConfig").path("OnFailure").path("Destination"))),
                () -> assertEquals("AWS::SQS::Queue", template.type("ExportWorkerDeadLetterQueue")));
        // HandOver.UNCLAIMED_DEADLINE: the event's maximum age plus the worker's timeout.
        String code = Files.readString(root.resolve("functions/export/src/main/java/com/onboardingexport/export/api/HandOver.java"));
        int age = config.path("MaximumEventAgeInSeconds").asInt();
        int timeout = template.functionProperties("ExportWorkerFunction").path("Timeout").asInt();
        assertTrue(code.contains("Duration.ofSeconds(" + age + " + " + timeout + ")"), "UNCLAIMED_DEADLINE is " + age + " + " + timeout + " s");
    }

    @Test
    @DisplayName("alarms on the dead-letter queue and on worker errors, to a topic that takes an optional e-mail address")
    void alarms() throws IOException {
        Set<String> watched = new HashSet<>();
        for (String alarm : template.resourcesOfType("AWS::CloudWatch::Alarm")) {
            JsonNode properties = template.resource(alarm).path("Properties");
            assertEquals(JSON.readTree("[{\"Ref\": \"AlarmTopic\"}]"), properties.path("AlarmActions"), alarm);
            assertEquals("GreaterThanThreshold", properties.path("ComparisonOperator").asText(), alarm);
            // The operator's two alarms on the exports' own metrics: thresholds of the stack's parameters.
            Map<String, String> operators = Map.of("ExportFailureRateAlarm", "ExportFailureRateThresholdPercent",
                    "ExportP95SecondsAlarm", "ExportP95SecondsThreshold");
            if (operators.containsKey(alarm)) {
                assertEquals(JSON.createObjectNode().put("Ref", operators.get(alarm)), properties.path("Threshold"), alarm);
                continue;
            }
            assertEquals(0, properties.path("Threshold").asInt(-1), alarm);
            watched.add(properties.path("Namespace").asText() + " " + properties.path("MetricName").asText() + " "
                    + properties.path("Dimensions").path(0).path("Value"));
        }
        assertEquals(Set.of(
                "AWS/SQS ApproximateNumberOfMessagesVisible " + getAtt("ExportWorkerDeadLetterQueue", "QueueName"),
                "AWS/Lambda Errors " + JSON.createObjectNode().put("Ref", "ExportWorkerFunction"),
                "AWS/Lambda Errors " + JSON.createObjectNode().put("Ref", "ExportScheduledFunction")), normaliseAll(watched));
        JsonNode subscription = template.resource("AlarmEmailSubscription");
        assertEquals("HasAlarmEmail", subscription.path("Condition").asText());
        assertEquals("email", subscription.path("Properties").path("Protocol").asText());
        assertEquals("", template.section("Parameters").path("AlarmEmail").path("Default").asText("x"));
    }

    @Test
    @DisplayName("the exports' events go to the stack's own bus, which only the functions that put them may put to; the notice rule listens there")
    void exportEventBus() throws IOException {
        JsonNode bus = template.resource("ExportEventBus");
        JsonNode busArn = JSON.readTree("{\"Fn::GetAtt\": [\"ExportEventBus\", \"Arn\"]}");
        JsonNode busRef = JSON.createObjectNode().put("Ref", "ExportEventBus");
        assertEquals("AWS::Events::EventBus", bus.path("Type").asText());
        assertEquals("${AWS::StackName}-exports", bus.path("Properties").path("Name").path("Fn::Sub").asText());
        assertEquals(busRef, template.resource("ScheduledExportNoticeRule").path("Properties").path("EventBusName"));
        assertEquals(busRef, template.section("Outputs").path("ExportEventBusName").path("Value"), "the smoke test reads it");

        Set<JsonNode> putters = new HashSet<>();
        for (String function : template.resourcesOfType(SamTemplate.FUNCTION)) {
            boolean puts = false;
            for (JsonNode policy : template.functionProperties(function).path("Policies")) {
                for (JsonNode statement : policy.path("Statement")) {
                    if (statement.path("Action").toString().contains("events:")) {
                        assertEquals("PutExportEvents", statement.path("Sid").asText(), function);
                        assertEquals(busArn, normalise(statement.path("Resource")), function + ": the stack's bus, never the default one");
                        puts = true;
                    }
                }
            }
            JsonNode variable = template.functionProperties(function).path("Environment").path("Variables").path("EVENT_BUS_NAME");
            assertEquals(puts ? busRef : com.fasterxml.jackson.databind.node.MissingNode.getInstance(), variable, function + " EVENT_BUS_NAME");
            if (puts) {
                putters.add(JSON.readTree("{\"Fn::GetAtt\": [\"" + function + "Role\", \"Arn\"]}"));
            }
        }
        assertEquals(4, putters.size(), "the export API, the worker, the scheduled-export function and the failure function put events");

        JsonNode policy = template.resource("ExportEventBusPolicy");
        JsonNode statement = policy.path("Properties").path("Statement");
        Set<JsonNode> allowed = new HashSet<>();
        statement.path("Condition").path("ArnNotEquals").path("aws:PrincipalArn").forEach(arn -> allowed.add(normalise(arn)));
        assertAll(
                () -> assertEquals("AWS::Events::EventBusPolicy", policy.path("Type").asText()),
                () -> assertEquals(busRef, policy.path("Properties").path("EventBusName")),
                () -> assertEquals("Deny", statement.path("Effect").asText()),
                () -> assertEquals("*", statement.path("Principal").asText()),
                () -> assertEquals("events:PutEvents", statement.path("Action").asText()),
                () -> assertEquals(busArn, normalise(statement.path("Resource"))),
                () -> assertEquals(1, statement.path("Condition").size(), statement.toString()),
                () -> assertEquals(putters, allowed, "every principal but the functions' roles is denied"));
    }

    @Test
    @DisplayName("the notice for people: scheduled exports' events only, to a topic EventBridge may publish to, an optional e-mail, the status URL and never a link")
    void scheduledExportNotice() {
        JsonNode rule = template.resource("ScheduledExportNoticeRule").path("Properties");
        JsonNode pattern = rule.path("EventPattern");
        JsonNode target = rule.path("Targets").path(0);
        JsonNode transformer = target.path("InputTransformer");
        Set<String> detailFields = new HashSet<>();
        for (var component : com.onboardingexport.export.lifecycle.ExportEvents.Detail.class.getRecordComponents()) {
            detailFields.add(component.getName().replaceAll("([A-Z])", "_$1").toLowerCase(java.util.Locale.ROOT));
        }
        assertAll(
                () -> assertEquals("[\"onboarding-export\"]", pattern.path("source").toString()),
                () -> assertEquals("[\"scheduled\"]", pattern.path("detail").path("mode").toString()),
                () -> assertEquals(JSON.createObjectNode().put("Ref", "ExportNoticeTopic"), target.path("Arn")),
                () -> assertTrue(transformer.path("InputTemplate").asText().contains("<status_url>")),
                () -> assertTrue(!transformer.toString().contains("download_url"), "never a link"),
                () -> assertEquals("HasNoticeEmail", template.resource("ExportNoticeEmailSubscription").path("Condition").asText()),
                () -> assertEquals("events.amazonaws.com", template.resource("ExportNoticeTopicPolicy").path("Properties")
                        .path("PolicyDocument").path("Statement").path(0).path("Principal").path("Service").asText()),
                () -> assertTrue(template.resource("ExportNoticeTopic").path("Properties").path("KmsMasterKeyId").isMissingNode(),
                        "EventBridge cannot publish to a topic under the AWS-managed SNS key"));
        // Every detail field the message reads is one the code puts in the event.
        transformer.path("InputPathsMap").forEach(path -> {
            String jsonPath = path.asText();
            if (jsonPath.startsWith("$.detail.")) {
                assertTrue(detailFields.contains(jsonPath.substring("$.detail.".length())), jsonPath + " not in " + detailFields);
            }
        });
    }

    private static JsonNode getAtt(String resource, String attribute) {
        return JSON.createObjectNode().set("Fn::GetAtt", JSON.createArrayNode().add(resource).add(attribute));
    }

    /** !GetAtt X.Arn and !GetAtt [X, Arn] are the same thing. */
    private static JsonNode normalise(JsonNode value) {
        JsonNode getAtt = value.path("Fn::GetAtt");
        if (getAtt.isTextual()) {
            String[] parts = getAtt.asText().split("\\.", 2);
            return getAtt(parts[0], parts[1]);
        }
        return value;
    }

    private static Set<String> normaliseAll(Set<String> watched) throws IOException {
        Set<String> out = new HashSet<>();
        for (String entry : watched) {
            int json = entry.indexOf('{');
            out.add(entry.substring(0, json) + normalise(JSON.readTree(entry.substring(json))));
        }
        return out;
    }
}
