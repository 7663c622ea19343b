package com.onboardingexport.export.lifecycle;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.onboardingexport.export.config.ExportConfig;
import com.onboardingexport.export.config.TestConfig;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

class ExportPrimingTest {
    private final ExportConfig config = TestConfig.builder().build();

    @Test
    void primesTheCsvPathWithoutNetwork() throws Exception {
        try (S3Presigner presigner = S3Presigner.builder().region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("a", "b"))).build()) {
            String csv = new ExportPriming(config, presigner).prime();
            assertTrue(csv.startsWith("response_id,submitted_at,campaign_id"), csv);
            assertTrue(csv.contains("\"'=Priming, \"\"sample\"\"\""), "the formula guard ran: " + csv);
        }
    }

    @Test
    void beforeCheckpointNeverThrows() {
        // No region and no credentials: signing fails, priming must swallow it.
        try (S3Presigner broken = S3Presigner.builder().region(Region.US_EAST_1)
                .credentialsProvider(() -> {
                    throw new IllegalStateException("no credentials at checkpoint");
                }).build()) {
            assertDoesNotThrow(() -> new ExportPriming(config, broken).beforeCheckpoint(null));
        }
    }
}
