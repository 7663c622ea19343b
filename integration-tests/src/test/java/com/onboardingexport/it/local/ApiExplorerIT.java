package com.onboardingexport.it.local;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.onboardingexport.local.run.LocalRun;
import com.onboardingexport.local.template.ProjectRoot;
import com.onboardingexport.shared.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local run's API explorer (/docs), as a person uses it: the run's banner gives the URL and an
 * admin's token; headless Chromium opens the page (no token needed), which lists both routes with
 * this local API as its first server; Authorize takes the printed token; "Try it out" exports one
 * day as CSV and shows the 200 with its download_url, which downloads that day's responses; the
 * status route, tried out with that export's id, answers succeeded. Chromium is driven over its
 * DevTools protocol ({@link DevTools}); everything the page loads comes from the local run.
 */
class ApiExplorerIT {
    private static final Path ROOT = ProjectRoot.find();
    private static final Path SWAGGER_UI = ROOT.resolve("local/swagger-ui");
    /** A day the dev Strapi's seed always has responses on (its boundary rows: 2026-01-01T00:00:00.000Z). */
    private static final String ONE_DAY = "{\"date_range\":\"2026-01-01/2026-01-01\",\"file_format\":\"csv\"}";
    private static final String CSV_HEADER = "response_id,submitted_at,campaign_id,campaign_name,client_id,client_name";
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static LocalRun run;
    private static URI docs;
    private static String printedToken;

    @BeforeAll
    static void start() throws Exception {
        run = LocalRun.start(ROOT.resolve("template.yaml"), 0, 0, System.out::println);
        List<String> out = new ArrayList<>();
        assertEquals(0, run.welcome(out::add), String.join("\n", out));
        String printed = String.join("\n", out);
        Matcher explorer = Pattern.compile("API explorer .*: (http://127\\.0\\.0\\.1:\\d+/docs)\\n.*Authorize there with this token of "
                + Pattern.quote(LocalRun.ADMIN) + ".*\\n\\s+(\\S+)\\n").matcher(printed);
        assertTrue(explorer.find(), "the banner names /docs and the admin's token to paste:\n" + printed);
        docs = URI.create(explorer.group(1));
        printedToken = explorer.group(2);
        assertEquals(run.api().url().resolve("/docs"), docs);
    }

    @AfterAll
    static void stop() {
        if (run != null) {
            run.close();
        }
    }

    @Test
    @DisplayName("Without a token: /docs is Swagger UI from the pinned swagger-ui-dist, on openapi.yaml with this local API as the first server")
    void servedLocally() throws Exception {
        HttpResponse<String> page = HTTP.send(HttpRequest.newBuilder(docs).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, page.statusCode(), page.body());
        assertEquals("text/html; charset=utf-8", page.headers().firstValue("Content-Type").orElse(null));
        assertTrue(page.body().contains("<script src=\"/docs/swagger-ui-bundle.js\"></script>"), page.body());

        // The installed Swagger UI is the version package-lock.json pins, and its files are what /docs serves.
        JsonNode lock = Json.MAPPER.readTree(SWAGGER_UI.resolve("package-lock.json").toFile());
        Path dist = SWAGGER_UI.resolve("node_modules/swagger-ui-dist");
        assertEquals(lock.path("packages").path("node_modules/swagger-ui-dist").path("version").asText(),
                Json.MAPPER.readTree(dist.resolve("package.json").toFile()).path("version").asText());
        for (String file : List.of("swagger-ui-bundle.js", "swagger-ui.css")) {
            HttpResponse<byte[]> asset = HTTP.send(HttpRequest.newBuilder(docs.resolve("/docs/" + file)).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(200, asset.statusCode(), file);
            assertArrayEquals(Files.readAllBytes(dist.resolve(file)), asset.body(), file);
        }
        // Only Swagger UI's own files: nothing else of the folder, nothing outside it.
        for (String other : List.of("/docs/package.json", "/docs/..%2Fpackage-lock.json", "/docs/missing.js")) {
            assertEquals(404, HTTP.send(HttpRequest.newBuilder(URI.create(run.api().url() + other)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode(), other);
        }

        HttpResponse<String> document = HTTP.send(HttpRequest.newBuilder(docs.resolve("/docs/openapi.json")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, document.statusCode(), document.body());
        JsonNode served = Json.MAPPER.readTree(document.body());
        JsonNode yaml = new YAMLMapper().readTree(ROOT.resolve("openapi.yaml").toFile());
        assertEquals(run.api().url().toString(), served.path("servers").path(0).path("url").asText(), served.path("servers").toString());
        assertEquals(yaml.path("servers").path(0), served.path("servers").path(1), "the deployed API's server follows");
        assertEquals(yaml.path("paths"), served.path("paths"));
        assertEquals(yaml.path("components"), served.path("components"));
    }

    @Test
    @DisplayName("In Chromium: both routes listed, Authorize with the printed token, Try it out a one-day CSV export: 200 with a download_url that downloads it; its status route: succeeded")
    void tryItOut(@TempDir Path profile) throws Exception {
        JsonNode seen;
        try (DevTools chromium = DevTools.start(profile)) {
            chromium.open(docs);
            try {
                seen = chromium.run(script(), Duration.ofSeconds(120));
            } catch (AssertionError e) {
                Files.write(profile.resolve("docs.png"), chromium.screenshot());
                throw new AssertionError(e.getMessage() + " (the page as it was: " + profile.resolve("docs.png") + ")", e);
            }
        }
        List<String> routes = new ArrayList<>();
        seen.path("routes").forEach(route -> routes.add(route.asText()));
        assertTrue(routes.containsAll(List.of("POST /exports/onboarding", "GET /exports/onboarding/{export_id}")), routes.toString());
        assertEquals(run.api().url().toString(), seen.path("server").asText(), "Try it out calls this local API");
        assertTrue(seen.path("authorized").asText().contains("Authorized"), seen.path("authorized").asText());
        // Everything the page loaded (scripts, styles, the document, the calls it made) came from the local API.
        assertTrue(seen.path("loaded").size() >= 5, seen.path("loaded").toString());
        seen.path("loaded").forEach(url -> assertTrue(url.asText().startsWith(run.api().url() + "/"), url.asText()));

        JsonNode post = seen.path("post");
        assertEquals(run.api().url().resolve("/exports/onboarding").toString(), post.path("request_url").asText());
        assertEquals("200", post.path("status").asText(), post.toString());
        JsonNode export = Json.MAPPER.readTree(post.path("body").asText());
        assertEquals("csv", export.path("file_format").asText(), export.toString());
        String link = export.path("download_url").asText();
        assertTrue(link.startsWith("http://127.0.0.1:"), export.toString());

        // The day's responses, as Strapi holds them, are the file's rows.
        int strapiCount = run.strapi().get("/api/campaign-onboarding-responses?filters[submittedAt][$gte]=2026-01-01T00:00:00.000Z"
                + "&filters[submittedAt][$lt]=2026-01-02T00:00:00.000Z&pagination[pageSize]=1").path("meta").path("pagination").path("total").asInt();
        assertTrue(strapiCount > 0, "the seed has responses on 2026-01-01");
        assertEquals(strapiCount, export.path("record_count").asInt(), export.toString());
        HttpResponse<String> file = HTTP.send(HttpRequest.newBuilder(URI.create(link)).build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        assertEquals(200, file.statusCode(), file.body());
        assertTrue(file.body().startsWith(CSV_HEADER), file.body());
        assertTrue(file.body().contains("2026-01-01T00:00:00.000Z"), "the seed's row at the day's first instant is in the file");

        JsonNode status = seen.path("status");
        assertEquals(run.api().url().resolve("/exports/onboarding/" + export.path("export_id").asText()).toString(),
                status.path("request_url").asText());
        assertEquals("200", status.path("status").asText(), status.toString());
        JsonNode succeeded = Json.MAPPER.readTree(status.path("body").asText());
        assertEquals("succeeded", succeeded.path("status").asText(), succeeded.toString());
        assertEquals(export.path("record_count"), succeeded.path("record_count"));
    }

    /**
     * What a person does on the page, in the page: wait for the operations, read the routes and the
     * selected server, Authorize with the printed token, then on POST /exports/onboarding "Try it
     * out", type the one-day request, Execute, read the answer; then the same on the status route
     * with the answer's export_id.
     */
    private static String script() throws Exception {
        return "const TOKEN = " + Json.MAPPER.writeValueAsString(printedToken) + ", REQUEST = " + Json.MAPPER.writeValueAsString(ONE_DAY)
                + ";\n" + """
                (async () => {
                  const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));
                  const until = async (what, find, seconds = 30) => {
                    for (const end = Date.now() + seconds * 1000; ; await sleep(100)) {
                      const found = find();
                      if (found) return found;
                      if (Date.now() > end) throw new Error('the page shows no ' + what);
                    }
                  };
                  // Typing, as React sees it: the field's value, then an input event.
                  const type = (field, text) => {
                    const prototype = field instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
                    Object.getOwnPropertyDescriptor(prototype, 'value').set.call(field, text);
                    field.dispatchEvent(new Event('input', {bubbles: true}));
                  };
                  const path = block => block.querySelector('.opblock-summary-path').dataset.path;
                  const operation = (method, route) => [...document.querySelectorAll('.opblock-' + method)].find(block => path(block) === route);
                  const tryOut = async (block, fill) => {
                    if (!block.classList.contains('is-open')) block.querySelector('.opblock-summary-control').click();
                    (await until('Try it out', () => block.querySelector('.try-out__btn'))).click();
                    await fill();
                    await sleep(1000); // Swagger UI takes typed parameters after a short debounce, as a person pauses before Execute
                    (await until('Execute', () => block.querySelector('button.execute'))).click();
                    const code = await until('server response', () => block.querySelector('.live-responses-table .response .response-col_status'), 90);
                    return {
                      status: code.textContent.trim(),
                      body: block.querySelector('.live-responses-table .response-col_description pre.microlight')?.textContent,
                      request_url: block.querySelector('.request-url pre')?.textContent,
                    };
                  };

                  const seen = {};
                  await until('operations', () => document.querySelector('.opblock'));
                  seen.routes = [...document.querySelectorAll('.opblock')].map(block =>
                      block.querySelector('.opblock-summary-method').textContent.trim() + ' ' + path(block));
                  seen.server = document.querySelector('.servers select').value;

                  document.querySelector('.auth-wrapper .authorize').click();
                  type(await until('token field', () => document.querySelector('.dialog-ux input#auth-bearer-value')), TOKEN);
                  document.querySelector('.dialog-ux button.authorize').click();
                  await until('Logout', () => [...document.querySelectorAll('.dialog-ux button')].find(b => b.textContent.trim() === 'Logout'));
                  seen.authorized = document.querySelector('.dialog-ux .auth-container').innerText;
                  document.querySelector('.dialog-ux .btn-done').click();

                  const post = operation('post', '/exports/onboarding');
                  seen.post = await tryOut(post, async () =>
                      type(await until('request body', () => post.querySelector('textarea.body-param__text')), REQUEST));

                  const get = operation('get', '/exports/onboarding/{export_id}');
                  const exportId = JSON.parse(seen.post.body).export_id;
                  seen.status = await tryOut(get, async () =>
                      type(await until('export_id field', () => get.querySelector('tr[data-param-name="export_id"] input')), exportId));
                  seen.loaded = performance.getEntriesByType('resource').map(entry => entry.name);
                  return seen;
                })()
                """;
    }
}
