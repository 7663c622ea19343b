package com.onboardingexport.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.onboardingexport.local.services.LocalMoto;
import com.onboardingexport.local.services.LocalS3;
import com.onboardingexport.local.services.LocalStrapi;
import com.onboardingexport.shared.Json;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The cold start of two builds side by side (issue 24: a change's cost at cold start): section 5 of
 * {@link BenchMain} (a fresh JVM per run, {@link ColdStartMain}, process start to the first answer,
 * against the real Strapi, S3Proxy and moto's Secrets Manager) for the authorizer and the export, each
 * run once on build A's classpaths and once on build B's, A and B alternating first, so the machine's
 * load hits both alike. Prints each run and the medians, and the ratio A/B of the medians.
 *
 * <p>System properties: {@code bench.vs.a} and {@code bench.vs.b}, each a folder holding
 * {@code export.classpath} and {@code authorizer.classpath} (as bench/run.sh writes them);
 * {@code bench.vs.runs} (7); {@code bench.classes} (this module's classes, first on each classpath).
 */
public final class ColdStartVs {
    private ColdStartVs() {
    }

    public static void main(String[] args) throws Exception {
        Path a = Path.of(System.getProperty("bench.vs.a"));
        Path b = Path.of(System.getProperty("bench.vs.b"));
        int runs = Integer.getInteger("bench.vs.runs", 7);
        String benchClasses = Path.of(System.getProperty("bench.classes", "bench/target/classes")).toAbsolutePath().toString();
        String serializers = Path.of(com.amazonaws.services.lambda.runtime.serialization.events.LambdaEventSerializers.class
                .getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        try (LocalStrapi strapi = LocalStrapi.start(new LocalStrapi.Options(0, Map.of("SEED_RESPONSES", "20000")));
             LocalS3 s3 = LocalS3.start(0);
             LocalMoto secrets = LocalMoto.start(0)) {
            s3.createBucket(ExportRunner.BUCKET);
            String apiTokenArn = secrets.createSecret("onboarding-export-bench/strapi-api-token", strapi.apiToken());
            String jwtArn = secrets.createSecret("onboarding-export-bench/jwt-secret", strapi.jwtSecret());
            String token = strapi.login("client-a@onboarding.test", LocalStrapi.DEV_PASSWORD);
            ObjectNode exportEvent = Json.MAPPER.valueToTree(ExportRunner.adminRequest(ExportRunner.body(BenchMain.SMALL_RANGE, "csv")));
            record Kind(String name, String handler, String kind, String classpathFile, List<String> flags, String expect) {
            }
            List<String> c1 = List.of("-XX:+TieredCompilation", "-XX:TieredStopAtLevel=1");
            List<Kind> kinds = List.of(
                    new Kind("authorizer", "com.onboardingexport.authorizer.AuthorizerHandler", "authorizer", "authorizer.classpath", c1, "Allow"),
                    new Kind("export", "com.onboardingexport.export.api.ExportHandler", "api", "export.classpath", List.of(), "\"statusCode\":200"));
            Map<String, List<Double>> times = new LinkedHashMap<>();
            for (int run = 0; run < runs; run++) {
                for (Kind kind : kinds) {
                    for (Path side : run % 2 == 0 ? List.of(a, b) : List.of(b, a)) {
                        String classpath = benchClasses + File.pathSeparator
                                + Files.readString(side.resolve(kind.classpathFile())).strip()
                                + ("api".equals(kind.kind()) ? File.pathSeparator + serializers : "");
                        List<String> command = new ArrayList<>();
                        command.add(java);
                        command.addAll(kind.flags());
                        command.addAll(List.of("-cp", classpath, ColdStartMain.class.getName(), kind.handler(), kind.kind()));
                        ProcessBuilder builder = new ProcessBuilder(command);
                        Map<String, String> env = builder.environment();
                        env.keySet().removeIf(name -> name.startsWith("AWS_") || name.equals("JAVA_TOOL_OPTIONS"));
                        env.put("AWS_REGION", "us-east-1");
                        env.put("AWS_ACCESS_KEY_ID", LocalS3.ACCESS_KEY);
                        env.put("AWS_SECRET_ACCESS_KEY", LocalS3.SECRET_KEY);
                        env.put("AWS_EC2_METADATA_DISABLED", "true");
                        env.put("AWS_ENDPOINT_URL", secrets.endpoint().toString());
                        env.put("AWS_ENDPOINT_URL_S3", s3.endpoint().toString());
                        env.put("AWS_LAMBDA_FUNCTION_NAME", "onboarding-export-bench-" + kind.name());
                        env.put("AWS_LAMBDA_LOG_FORMAT", "JSON");
                        env.put("AWS_LAMBDA_LOG_LEVEL", "INFO");
                        env.put("POWERTOOLS_SERVICE_NAME", "onboarding-export-bench");
                        // Traced, as Lambda runs a function with Tracing: Active: a sampled trace header and
                        // the daemon's address (nothing listens there: UDP, fire and forget), so a build
                        // that writes X-Ray subsegments pays for them here.
                        env.put("_X_AMZN_TRACE_ID", "Root=1-6b113134-940b06fa62fbbd6148dffaaa;Parent=53995c3f42cd8ad8;Sampled=1");
                        env.put("AWS_XRAY_DAEMON_ADDRESS", "127.0.0.1:2000");
                        env.put("STRAPI_URL", strapi.url().toString());
                        env.put("STRAPI_API_TOKEN_SECRET_ARN", apiTokenArn);
                        env.put("JWT_SECRET_ARN", jwtArn);
                        env.put("EXPORT_BUCKET", ExportRunner.BUCKET);
                        env.put("USER_CACHE_SECONDS", "60");
                        env.put("STRAPI_TIMEOUT_MS", "10000");
                        env.put("ASYNC_ROW_THRESHOLD", "50000");
                        env.put("BENCH_TOKEN", token);
                        env.put("BENCH_METHOD_ARN", BenchMain.METHOD_ARN);
                        env.put("BENCH_EVENT", exportEvent.toString());
                        BenchMain.Child child = BenchMain.Child.run(builder, "TIMING ", Duration.ofSeconds(90));
                        if (child.marked() == null || child.firstAnswerNanos() < 0) {
                            throw new IllegalStateException(kind.name() + " " + side + ": no answer:\n" + child.output());
                        }
                        JsonNode timing = Json.MAPPER.readTree(child.marked().substring("TIMING ".length()));
                        if (!timing.path("first_answer").asText().contains(kind.expect())) {
                            throw new IllegalStateException(kind.name() + ": unexpected answer " + timing.path("first_answer") + "\n" + child.output());
                        }
                        double ms = Math.round(child.firstAnswerNanos() / 10_000.0) / 100.0;
                        String key = kind.name() + " " + (side.equals(a) ? "A" : "B");
                        times.computeIfAbsent(key, k -> new ArrayList<>()).add(ms);
                        System.out.println("[cold] " + key + " run " + (run + 1) + ": " + ms + " ms (init " + timing.path("init_ms")
                                + ", first request " + timing.path("first_request_ms") + ")");
                    }
                }
            }
            System.out.println("A = " + a + ", B = " + b + ", " + runs + " runs each, java " + Runtime.version());
            for (Kind kind : kinds) {
                List<Double> ta = times.get(kind.name() + " A");
                List<Double> tb = times.get(kind.name() + " B");
                System.out.println("| " + kind.name() + " | " + Md.list(tb, 0) + " | " + Md.f(Md.median(tb), 0) + " | "
                        + Md.list(ta, 0) + " | " + Md.f(Md.median(ta), 0) + " | " + Md.f(Md.median(ta) / Md.median(tb), 3) + " |");
            }
        }
    }
}
