package com.onboardingexport.shared;

import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * Builds SDK clients the way every function wants them: the light URL-connection HTTP client,
 * region and credentials from the Lambda environment, endpoints from the SDK's standard
 * AWS_ENDPOINT_URL variables (so local runs and tests need no custom code).
 */
public final class AwsClients {
    private AwsClients() {
    }

    public static SecretsManagerClient secretsManager() {
        return SecretsManagerClient.builder()
                .httpClient(UrlConnectionHttpClient.create())
                .build();
    }
}
