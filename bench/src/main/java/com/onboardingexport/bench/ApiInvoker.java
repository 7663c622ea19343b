package com.onboardingexport.bench;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.amazonaws.services.lambda.runtime.serialization.PojoSerializer;
import com.amazonaws.services.lambda.runtime.serialization.events.LambdaEventSerializers;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The export's side of {@link ColdStartMain}, in a class of its own so the other runs never load
 * it: the API Gateway event read, and the answer written, with the Lambda runtime's own event
 * serializers, as Lambda does for a typed handler.
 */
final class ApiInvoker {
    private ApiInvoker() {
    }

    @SuppressWarnings("unchecked")
    static String invoke(Object handler, byte[] event) {
        ClassLoader loader = ApiInvoker.class.getClassLoader();
        PojoSerializer<APIGatewayProxyRequestEvent> in = LambdaEventSerializers.serializerFor(APIGatewayProxyRequestEvent.class, loader);
        PojoSerializer<APIGatewayProxyResponseEvent> out = LambdaEventSerializers.serializerFor(APIGatewayProxyResponseEvent.class, loader);
        APIGatewayProxyResponseEvent answer = ((RequestHandler<APIGatewayProxyRequestEvent, APIGatewayProxyResponseEvent>) handler)
                .handleRequest(in.fromJson(new ByteArrayInputStream(event)), new BenchContext(Duration.ofSeconds(60)));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        out.toJson(answer, bytes);
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
