package com.onboardingexport.it.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.onboardingexport.local.template.CloudFormationYaml;
import com.onboardingexport.local.template.ProjectRoot;
import com.onboardingexport.local.template.SamTemplate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The export bucket as template.yaml declares it, read the way CloudFormation reads it: every
 * bucket of the template blocks public access, enforces bucket-owner ownership (no ACLs), encrypts
 * at rest, and its policy denies any request not made over TLS; no statement opens it to anyone.
 * Each check fails if its line is removed from the template.
 */
class BucketTemplateReliabilityIT {
    private static SamTemplate template;
    private static List<String> buckets;

    @BeforeAll
    static void read() throws Exception {
        template = new SamTemplate(CloudFormationYaml.read(ProjectRoot.find().resolve("template.yaml")));
        buckets = template.resourcesOfType("AWS::S3::Bucket");
        assertTrue(buckets.contains("ExportBucket"), buckets.toString());
    }

    @Test
    @DisplayName("every bucket blocks all four kinds of public access")
    void publicAccessIsBlocked() {
        for (String bucket : buckets) {
            JsonNode block = template.resource(bucket).path("Properties").path("PublicAccessBlockConfiguration");
            for (String flag : List.of("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets")) {
                assertTrue(block.path(flag).isBoolean() && block.path(flag).asBoolean() || "true".equals(block.path(flag).asText()),
                        bucket + " " + flag + " = " + block.path(flag));
            }
        }
    }

    @Test
    @DisplayName("every bucket enforces bucket-owner ownership (ACLs off) and sets no canned ACL or website")
    void noAcls() {
        for (String bucket : buckets) {
            JsonNode properties = template.resource(bucket).path("Properties");
            JsonNode rules = properties.path("OwnershipControls").path("Rules");
            assertEquals(1, rules.size(), bucket);
            assertEquals("BucketOwnerEnforced", rules.path(0).path("ObjectOwnership").asText(), bucket);
            assertFalse(properties.has("AccessControl"), bucket + " sets a canned ACL");
            assertFalse(properties.has("WebsiteConfiguration"), bucket + " is a website");
        }
    }

    @Test
    @DisplayName("every bucket encrypts at rest by default (SSE-S3 or SSE-KMS)")
    void encryptedAtRest() {
        for (String bucket : buckets) {
            JsonNode sse = template.resource(bucket).path("Properties").path("BucketEncryption")
                    .path("ServerSideEncryptionConfiguration").path(0).path("ServerSideEncryptionByDefault");
            assertTrue(Set.of("AES256", "aws:kms", "aws:kms:dsse").contains(sse.path("SSEAlgorithm").asText()), bucket + ": " + sse);
        }
    }

    @Test
    @DisplayName("the bucket policy denies every action, to everyone, on the bucket and its objects, without TLS")
    void plainHttpIsDenied() {
        for (String bucket : buckets) {
            JsonNode statements = policyOf(bucket).path("PolicyDocument").path("Statement");
            JsonNode tls = null;
            for (JsonNode statement : statements) {
                if ("false".equals(statement.path("Condition").path("Bool").path("aws:SecureTransport").asText())) {
                    tls = statement;
                }
            }
            assertTrue(tls != null, bucket + ": no statement on aws:SecureTransport=false");
            assertEquals("Deny", tls.path("Effect").asText());
            assertTrue(isEveryone(tls.path("Principal")), "to everyone: " + tls.path("Principal"));
            assertTrue(List.of("s3:*", "*").contains(tls.path("Action").asText()), "every action: " + tls.path("Action"));
            String resources = tls.path("Resource").toString();
            assertTrue(resources.contains("{\"Fn::GetAtt\":[\"" + bucket + "\",\"Arn\"]}"), "the bucket itself: " + resources);
            assertTrue(resources.contains("${" + bucket + ".Arn}/*"), "every object: " + resources);
        }
    }

    @Test
    @DisplayName("no bucket policy statement allows anything to everyone")
    void nothingIsAllowedToEveryone() {
        for (String bucket : buckets) {
            for (JsonNode statement : policyOf(bucket).path("PolicyDocument").path("Statement")) {
                if ("Allow".equals(statement.path("Effect").asText())) {
                    assertFalse(isEveryone(statement.path("Principal")), "an Allow to everyone: " + statement);
                }
            }
        }
    }

    @Test
    @DisplayName("download links cannot be configured to outlive an hour")
    void linkTtlIsCapped() {
        JsonNode ttl = template.section("Parameters").path("LinkTtlSeconds");
        assertTrue(ttl.path("MaxValue").asInt(Integer.MAX_VALUE) <= 3600, ttl.toString());
        assertTrue(ttl.path("Default").asInt() <= 3600, ttl.toString());
    }

    private static JsonNode policyOf(String bucket) {
        List<JsonNode> policies = new ArrayList<>();
        for (String id : template.resourcesOfType("AWS::S3::BucketPolicy")) {
            JsonNode properties = template.resource(id).path("Properties");
            if (properties.path("Bucket").path("Ref").asText().equals(bucket)) {
                policies.add(properties);
            }
        }
        assertEquals(1, policies.size(), "one policy for " + bucket);
        return policies.get(0);
    }

    private static boolean isEveryone(JsonNode principal) {
        return "*".equals(principal.asText()) || "*".equals(principal.path("AWS").asText())
                || principal.path("AWS").toString().contains("\"*\"");
    }
}
