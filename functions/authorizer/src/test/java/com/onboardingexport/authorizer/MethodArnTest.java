package com.onboardingexport.authorizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class MethodArnTest {
    @Test
    @DisplayName("parts of a method ARN, and the export routes of the same API and stage")
    void parse() {
        MethodArn arn = MethodArn.parse("arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/GET/exports/onboarding/x-1");
        assertEquals(new MethodArn("aws", "eu-west-1", "123456789012", "a1b2c3d4e5", "prod"), arn);
        assertEquals("arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/POST/exports/onboarding",
                arn.route("POST", "/exports/onboarding"));
        assertEquals("arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/*", arn.wholeStage());
    }

    @Test
    @DisplayName("not an execute-api method ARN, or wildcards in its parts: refused")
    void refused() {
        for (String bad : new String[] {
            null, "", "garbage", "arn:aws:s3:::bucket/key",
            "arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5",
            "arn:aws:execute-api:eu-west-1:123456789012:*/prod/GET/x",
            "arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/*/GET/x",
            "arn:aws:execute-api:*:123456789012:a1b2c3d4e5/prod/GET/x",
        }) {
            assertThrows(IllegalArgumentException.class, () -> MethodArn.parse(bad), String.valueOf(bad));
        }
    }
}
