package com.onboardingexport.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.onboardingexport.local.template.ProjectRoot;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The floor plan of the export function and of the local run, read from the sources: each package
 * imports only packages on a lower floor (never one above, never one beside it), so no two import
 * each other. A class named with its whole package, without an import line, counts as an import.
 */
class PackageLayersIT {
    private static final Pattern PACKAGE = Pattern.compile("^package ([\\w.]+);", Pattern.MULTILINE);

    @Test
    @DisplayName("the export function: the functions on top, then lifecycle, service, Strapi and the store, model, formats, spool, settings")
    void exportFunction() {
        assertFloors(ProjectRoot.find().resolve("functions/export/src/main/java"), "com.onboardingexport.export", List.of(
                List.of("api", "worker", "failure"),
                List.of("lifecycle"),
                List.of("service"),
                List.of("strapi", "store"),
                List.of("model"),
                List.of("format"),
                List.of("spool"),
                List.of("config")));
    }

    @Test
    @DisplayName("the local run: the run, the gateway, the functions and the services, the template")
    void localRun() {
        assertFloors(ProjectRoot.find().resolve("local/src/main/java"), "com.onboardingexport.local", List.of(
                List.of("run"),
                List.of("gateway"),
                List.of("lambda", "services"),
                List.of("template", "faults")));
    }

    private static void assertFloors(Path sources, String base, List<List<String>> floors) {
        Map<String, Integer> floorOf = new TreeMap<>();
        for (int floor = 0; floor < floors.size(); floor++) {
            for (String name : floors.get(floor)) {
                floorOf.put(name, floor);
            }
        }
        Map<String, TreeSet<String>> imports = imports(sources, base);
        assertEquals(floorOf.keySet(), imports.keySet(), "the packages under " + base + " are the ones of the floor plan, and only they");
        List<String> wrong = new ArrayList<>();
        imports.forEach((from, targets) -> targets.forEach(to -> {
            if (floorOf.get(to) <= floorOf.get(from)) {
                wrong.add(from + " -> " + to);
            }
        }));
        assertTrue(wrong.isEmpty(), "imports that run up or sideways: " + wrong + " (the graph: " + imports + ")");
    }

    /** For each package right under {@code base}, the other packages under it that its files name. */
    private static Map<String, TreeSet<String>> imports(Path sources, String base) {
        Pattern named = Pattern.compile("\\b" + Pattern.quote(base) + "\\.([a-z]\\w*)\\.[A-Z]");
        Map<String, TreeSet<String>> graph = new TreeMap<>();
        try (Stream<Path> files = Files.walk(sources)) {
            for (Path file : files.filter(path -> path.toString().endsWith(".java")).toList()) {
                String text = Files.readString(file);
                Matcher declared = PACKAGE.matcher(text);
                assertTrue(declared.find(), file + " declares its package");
                assertTrue(declared.group(1).startsWith(base + "."), file + " is in a package under " + base);
                String from = declared.group(1).substring(base.length() + 1).split("\\.")[0];
                TreeSet<String> targets = graph.computeIfAbsent(from, key -> new TreeSet<>());
                Matcher use = named.matcher(text);
                while (use.find()) {
                    if (!use.group(1).equals(from)) {
                        targets.add(use.group(1));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return graph;
    }
}
