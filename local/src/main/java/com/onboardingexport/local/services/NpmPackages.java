package com.onboardingexport.local.services;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The npm packages of a folder of the repository (the dev Strapi's, the API explorer's), installed with
 * {@code npm ci} only when node_modules is missing or was installed from another package-lock.json:
 * node_modules/.lock-hash holds the SHA-256 of the lock it was installed from.
 */
public final class NpmPackages {
    private NpmPackages() {
    }

    /**
     * Runs {@code npm ci} in {@code dir} unless its node_modules matches its package-lock.json.
     *
     * @param about       how long a fresh install takes, for the line printed before it
     * @param npmOptions  further options of {@code npm ci}
     */
    public static void ensureInstalled(Path dir, String about, String... npmOptions) throws IOException, InterruptedException {
        Path marker = dir.resolve("node_modules/.lock-hash");
        String lockHash = sha256(Files.readAllBytes(dir.resolve("package-lock.json")));
        if (Files.isRegularFile(marker) && Files.readString(marker).trim().equals(lockHash)) {
            return;
        }
        Path log = Files.createTempFile("npm-ci-", ".log");
        System.out.println("[local] npm ci in " + dir + " (only when package-lock.json changed: " + about + "), log: " + log);
        List<String> command = new ArrayList<>(List.of("npm", "ci", "--no-audit", "--no-fund"));
        command.addAll(List.of(npmOptions));
        // Output to a file, not inherited: a test JVM's stdout is Maven's channel to it.
        Process npm = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        if (npm.waitFor() != 0) {
            throw new IllegalStateException("npm ci failed in " + dir + " (exit " + npm.exitValue() + "):\n" + Files.readString(log));
        }
        Files.writeString(marker, lockHash);
    }

    private static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
