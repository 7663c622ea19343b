package com.onboardingexport.it.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.onboardingexport.local.template.CloudFormationYaml;
import com.onboardingexport.local.template.ProjectRoot;
import com.onboardingexport.local.template.SamTemplate;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The README's Layout, checked against the template and the code: it comes right after the
 * introduction, names every resource of {@code template.yaml}, and for each function the folder of
 * its {@code CodeUri} and the class of its {@code Handler}, which exists in that folder.
 */
class ReadmeLayoutIT {
    private static final Pattern ROW = Pattern.compile("^\\| (.+?) \\| (.+?) \\| (.+?) \\| (.+?) \\|$", Pattern.MULTILINE);
    private static final Pattern CODE = Pattern.compile("`([^`]+)`");

    @Test
    @DisplayName("the README's Layout follows the introduction and gives every template resource its folder and entry class")
    void layoutNamesEveryResource() throws IOException {
        Path root = ProjectRoot.find();
        String readme = Files.readString(root.resolve("README.md"));
        List<String> headings = readme.lines().filter(line -> line.startsWith("## ")).toList();
        assertEquals("## Layout", headings.get(0), "the first section after the introduction");
        String layout = readme.substring(readme.indexOf("## Layout"), readme.indexOf(headings.get(1)));

        SamTemplate template = new SamTemplate(CloudFormationYaml.read(root.resolve("template.yaml")));
        Set<String> named = new TreeSet<>();
        List<String> wrong = new ArrayList<>();
        Matcher row = ROW.matcher(layout);
        while (row.find()) {
            List<String> resources = codes(row.group(1));
            named.addAll(resources);
            for (String resource : resources) {
                if (!template.names("Resources").contains(resource) || !SamTemplate.FUNCTION.equals(template.type(resource))) {
                    continue;
                }
                String codeUri = template.functionProperties(resource).path("CodeUri").asText();
                String handler = template.functionProperties(resource).path("Handler").asText().split("::")[0];
                if (!codes(row.group(3)).contains(codeUri + "/")) {
                    wrong.add(resource + ": folder " + row.group(3) + ", the template says " + codeUri);
                }
                if (!codes(row.group(4)).contains(handler)) {
                    wrong.add(resource + ": entry class " + row.group(4) + ", the template says " + handler);
                }
                Path source = root.resolve(codeUri).resolve("src/main/java").resolve(handler.replace('.', '/') + ".java");
                if (!Files.isRegularFile(source)) {
                    wrong.add(resource + ": no " + source);
                }
            }
        }
        Set<String> missing = new TreeSet<>(template.names("Resources"));
        missing.removeAll(named);
        assertTrue(missing.isEmpty(), "template resources the Layout does not name: " + missing);
        assertTrue(wrong.isEmpty(), String.join("\n", wrong));
    }

    private static List<String> codes(String cell) {
        List<String> codes = new ArrayList<>();
        Matcher code = CODE.matcher(cell);
        while (code.find()) {
            codes.add(code.group(1));
        }
        return codes;
    }
}
