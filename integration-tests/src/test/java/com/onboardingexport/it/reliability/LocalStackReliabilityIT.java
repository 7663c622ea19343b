package com.onboardingexport.it.reliability;

import static com.onboardingexport.it.reliability.Reliability.PARTS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.onboardingexport.export.api.ExportHandler;
import com.onboardingexport.export.config.ExportConfig;
import com.onboardingexport.it.export.ExportFixture;
import com.onboardingexport.local.lambda.LocalLambdaContext;
import com.onboardingexport.shared.CachedSecret;
import com.onboardingexport.shared.Json;
import com.onboardingexport.shared.StrapiClient;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.localstack.LocalStackContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.utility.DockerImageName;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * The export against LocalStack's S3 and Secrets Manager (Testcontainers), with the real Strapi:
 * the secret is read from LocalStack's Secrets Manager by the real client, the file is written to a
 * LocalStack bucket and downloaded through its presigned link. Where no Docker engine exists the
 * whole class is skipped (reported as skipped, never failed) and the Docker-free suite stands alone.
 */
@Testcontainers(disabledWithoutDocker = true)
class LocalStackReliabilityIT {
    private static final String BUCKET = "onboarding-exports-localstack";

    @Container
    private static final LocalStackContainer LOCALSTACK = new LocalStackContainer(DockerImageName.parse("localstack/localstack:3.8.1"))
            .withServices(LocalStackContainer.Service.S3, LocalStackContainer.Service.SECRETSMANAGER);

    private static StaticCredentialsProvider credentials;
    private static SecretsManagerClient secretsManager;
    private static S3Client s3;
    private static S3Presigner presigner;
    private static String secretArn;

    @BeforeAll
    static void wire() {
        URI endpoint = LOCALSTACK.getEndpoint();
        Region region = Region.of(LOCALSTACK.getRegion());
        credentials = StaticCredentialsProvider.create(AwsBasicCredentials.create(LOCALSTACK.getAccessKey(), LOCALSTACK.getSecretKey()));
        // As AWS_ENDPOINT_URL would point the clients: the endpoint, nothing custom in the product.
        secretsManager = SecretsManagerClient.builder().endpointOverride(endpoint).region(region).credentialsProvider(credentials)
                .httpClient(UrlConnectionHttpClient.create()).build();
        s3 = S3Client.builder().endpointOverride(endpoint).region(region).credentialsProvider(credentials).forcePathStyle(true)
                .httpClient(UrlConnectionHttpClient.create()).build();
        presigner = S3Presigner.builder().endpointOverride(endpoint).region(region).credentialsProvider(credentials)
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build()).build();
        s3.createBucket(b -> b.bucket(BUCKET));
        secretArn = secretsManager.createSecret(b -> b.name("onboarding-export-localstack").secretString(PARTS.strapi.apiToken())).arn();
    }

    @AfterAll
    static void close() {
        if (s3 != null) {
            s3.close();
            presigner.close();
            secretsManager.close();
        }
    }

    @Test
    @DisplayName("admin CSV, all time, on LocalStack: every row Strapi holds, stored encrypted, behind a working link")
    void exportOnLocalStack() throws Exception {
        ExportConfig config = Reliability.config(PARTS.strapi.url(), Map.of("EXPORT_BUCKET", BUCKET, "STRAPI_API_TOKEN_SECRET_ARN", secretArn));
        StrapiClient strapi = new StrapiClient(URI.create(config.strapiUrl()),
                new CachedSecret(secretsManager, config.apiTokenSecretArn(), config.secretCacheTtl()),
                StrapiClient.defaultHttpClient(Duration.ofSeconds(2)), config.strapiTimeout(), 3);
        ExportHandler handler = new ExportHandler(config, strapi, s3, presigner, Reliability.NO_BACKGROUND, PARTS.moto.eventBridge(), Clock.systemUTC());
        int expected = Reliability.FIXTURE.strapiRows("").size();

        APIGatewayProxyResponseEvent response = handler.handleApiRequest(
                ExportFixture.admin("{\"date_range\":\"all_time\",\"file_format\":\"csv\"}"), new LocalLambdaContext());

        JsonNode body = Reliability.ok(response);
        assertEquals(expected, body.path("record_count").asInt());
        assertTrue(body.path("filename").asText().matches("onboarding-export-\\d{8}T\\d{4}Z-[0-9a-f]{8}\\.csv"), body.toString());
        String url = body.path("download_url").asText();
        HttpResponse<byte[]> file = Reliability.FIXTURE.download(url);
        assertEquals(200, file.statusCode());
        assertEquals(body.path("size_bytes").asLong(), file.body().length);
        assertEquals(expected, Reliability.csv(file.body()).size());
        String key = URI.create(url).getPath().replaceFirst("^/" + BUCKET + "/", "");
        assertTrue(key.startsWith("exports/user-1/" + body.path("export_id").asText() + "/"), key);
        HeadObjectResponse head = s3.headObject(b -> b.bucket(BUCKET).key(key));
        assertEquals("text/csv; charset=utf-8", head.contentType());
        assertEquals("attachment; filename=\"" + body.path("filename").asText() + "\"", head.contentDisposition());
        assertEquals(ServerSideEncryption.AES256, head.serverSideEncryption());
    }

    @Test
    @DisplayName("on LocalStack too, a missing bucket is 500 STORAGE_ERROR and nothing is left")
    void missingBucketOnLocalStack() throws Exception {
        ExportConfig config = Reliability.config(PARTS.strapi.url(), Map.of("EXPORT_BUCKET", "no-such-bucket", "STRAPI_API_TOKEN_SECRET_ARN", secretArn));
        StrapiClient strapi = new StrapiClient(URI.create(config.strapiUrl()), new CachedSecret(secretsManager, secretArn, Duration.ofMinutes(5)),
                StrapiClient.defaultHttpClient(Duration.ofSeconds(2)), config.strapiTimeout(), 3);
        ExportHandler handler = new ExportHandler(config, strapi, s3, presigner, Reliability.NO_BACKGROUND, PARTS.moto.eventBridge(), Clock.systemUTC());
        int before = s3.listObjectsV2(b -> b.bucket(BUCKET)).keyCount();

        Reliability.error(handler.handleApiRequest(ExportFixture.admin("{\"date_range\":\"all_time\"}"), new LocalLambdaContext()),
                500, "STORAGE_ERROR");

        assertEquals(before, s3.listObjectsV2(b -> b.bucket(BUCKET)).keyCount());
    }
}
