package com.onboardingexport.local.template;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the repository's root (the folder holding strapi/ and pom.xml), from -Dproject.root or the working directory up. */
public final class ProjectRoot {
    private ProjectRoot() {
    }

    public static Path find() {
        String configured = System.getProperty("project.root");
        if (configured != null && isRoot(Path.of(configured))) {
            return Path.of(configured).toAbsolutePath().normalize();
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (isRoot(dir)) {
                return dir;
            }
        }
        throw new IllegalStateException("Cannot find the project root (strapi/package.json); run from the repository or set -Dproject.root");
    }

    private static boolean isRoot(Path dir) {
        return Files.isRegularFile(dir.resolve("pom.xml")) && Files.isRegularFile(dir.resolve("strapi/package.json"));
    }
}
