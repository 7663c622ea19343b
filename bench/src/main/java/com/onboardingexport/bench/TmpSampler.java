package com.onboardingexport.bench;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.function.LongConsumer;

/**
 * How many bytes an export keeps under its temporary folder while it runs: every {@code periodMillis}
 * a thread walks the folder (the export JVM's own {@code java.io.tmpdir}, which holds nothing else)
 * and sums the sizes of the regular files in it, recursively; the largest sum is the peak. Files
 * that vanish during a walk are skipped. Runs in the benchmark's JVM, not the export's, so its CPU is
 * not counted against the export.
 */
final class TmpSampler implements AutoCloseable {
    private final Path root;
    private final long periodMillis;
    private final Thread thread;
    private volatile boolean stop;
    private volatile long peak;
    private volatile long last;
    private volatile int samples;

    /** Starts sampling at once; {@code onSample} (may be a no-op) sees each sum, on the sampler's thread. */
    TmpSampler(Path root, long periodMillis, LongConsumer onSample) {
        this.root = root;
        this.periodMillis = periodMillis;
        this.thread = new Thread(() -> {
            while (!stop) {
                long bytes = bytesUnder(root);
                last = bytes;
                peak = Math.max(peak, bytes);
                samples++;
                onSample.accept(bytes);
                try {
                    Thread.sleep(periodMillis);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "tmp-sampler");
        thread.setDaemon(true);
        thread.start();
    }

    long peak() {
        return peak;
    }

    int samples() {
        return samples;
    }

    long periodMillis() {
        return periodMillis;
    }

    /** Stops, after one last sample (what the export left behind). */
    @Override
    public void close() {
        stop = true;
        thread.interrupt();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        last = bytesUnder(root);
        peak = Math.max(peak, last);
    }

    /** Bytes under the folder once the sampler has stopped: what the export left behind. */
    long left() {
        return last;
    }

    static long bytesUnder(Path root) {
        long[] total = {0};
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
                    if (attributes.isRegularFile()) {
                        total[0] += attributes.size();
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    return FileVisitResult.CONTINUE; // deleted while we walked
                }
            });
        } catch (IOException e) {
            // the root itself is gone: nothing there
        }
        return total[0];
    }
}
