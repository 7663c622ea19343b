package com.onboardingexport.local;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the repository's root (the folder with template.yaml), from -Dproject.root or the working directory up. */
public final class ProjectRoot {
    private ProjectRoot() {
    }

    public static Path find() {
        String configured = System.getProperty("project.root");
        if (configured != null && Files.isRegularFile(Path.of(configured, "template.yaml"))) {
            return Path.of(configured).toAbsolutePath().normalize();
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("template.yaml")) && Files.isDirectory(dir.resolve("strapi"))) {
                return dir;
            }
        }
        throw new IllegalStateException("Cannot find the project root (template.yaml); run from the repository or set -Dproject.root");
    }
}
