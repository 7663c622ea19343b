package com.onboardingexport.bench;

import com.onboardingexport.shared.JsonLog;
import com.sun.management.GarbageCollectionNotificationInfo;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

/**
 * Run in a fresh JVM (fixed -Xmx, Serial GC) by {@link BenchMain}: the heap one export needs.
 * <ol>
 *   <li>builds the export handler on the real parts and runs a tiny export of the same format first,
 *       so the classes and caches of the export path are loaded before the baseline;</li>
 *   <li>forces a full GC ({@code System.gc()}) and takes the heap used after it as the baseline;</li>
 *   <li>runs the export while a sampler thread forces a full GC every {@code BENCH_SAMPLE_MS} ms; the
 *       heap used after each of those collections (from the GC's own notification, exact, not a
 *       racing read) is what the export holds live at that moment; the largest is the <b>peak live
 *       heap</b>;</li>
 *   <li>also reports the JVM's own peak of each heap pool since the baseline (garbage included, so it
 *       mostly shows how big the young generation was allowed to grow, not what the export needs).</li>
 * </ol>
 * Prints one line {@code HEAP {...}}. The export runs through the scheduled entry point (same plan and
 * run as the API path, without the API's 27 s budget, which the forced collections could exceed).
 */
public final class HeapProbe {
    private static final AtomicLong maxAfterFullGc = new AtomicLong();
    private static final AtomicLong lastAfterFullGc = new AtomicLong();
    private static final AtomicInteger fullGcs = new AtomicInteger();

    private HeapProbe() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> env = System.getenv();
        String dateRange = env.get("BENCH_DATE_RANGE");
        String format = env.get("BENCH_FORMAT");
        long sampleMillis = Long.parseLong(env.getOrDefault("BENCH_SAMPLE_MS", "200"));
        JsonLog.redirect(new PrintStream(OutputStream.nullOutputStream()));
        listenToFullCollections();

        try (ExportRunner runner = new ExportRunner(URI.create(env.get("BENCH_STRAPI_URL")), env.get("BENCH_STRAPI_TOKEN"),
                URI.create(env.get("BENCH_S3")), env.get("BENCH_S3_ACCESS_KEY"), env.get("BENCH_S3_SECRET_KEY"),
                Integer.parseInt(env.getOrDefault("BENCH_PARALLELISM", "4")))) {
            ExportRunner.Outcome warmup = runner.runScheduled(env.get("BENCH_WARMUP_RANGE"), format, null);
            runner.delete(warmup);

            System.gc();
            System.gc();
            Thread.sleep(100); // the notifications arrive on their own thread
            long baseline = lastAfterFullGc.get();
            List<MemoryPoolMXBean> heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
                    .filter(pool -> pool.getType() == MemoryType.HEAP).toList();
            heapPools.forEach(MemoryPoolMXBean::resetPeakUsage);
            maxAfterFullGc.set(baseline);
            int gcsBefore = fullGcs.get();

            Thread sampler = new Thread(() -> {
                try {
                    while (!Thread.currentThread().isInterrupted()) {
                        Thread.sleep(sampleMillis);
                        System.gc();
                    }
                } catch (InterruptedException done) {
                    // the export is over
                }
            }, "heap-sampler");
            sampler.setDaemon(true);
            sampler.start();
            ExportRunner.Outcome outcome = runner.runScheduled(dateRange, format, null);
            sampler.interrupt();
            sampler.join();
            Thread.sleep(100);
            long peakPools = heapPools.stream().mapToLong(pool -> pool.getPeakUsage().getUsed()).sum();
            int samples = fullGcs.get() - gcsBefore;
            runner.delete(outcome);
            System.gc();
            Thread.sleep(100);
            long after = lastAfterFullGc.get();

            System.out.println("HEAP {\"status\": " + outcome.status()
                    + ", \"rows\": " + outcome.rows()
                    + ", \"bytes\": " + outcome.bytes()
                    + ", \"seconds\": " + round(outcome.seconds())
                    + ", \"xmx_mb\": " + mb(Runtime.getRuntime().maxMemory())
                    + ", \"gc\": \"" + ManagementFactory.getGarbageCollectorMXBeans().stream()
                            .map(GarbageCollectorMXBean::getName).collect(Collectors.joining(" + ")) + "\""
                    + ", \"baseline_live_mb\": " + mb(baseline)
                    + ", \"peak_live_mb\": " + mb(maxAfterFullGc.get())
                    + ", \"peak_live_above_baseline_mb\": " + mb(maxAfterFullGc.get() - baseline)
                    + ", \"samples\": " + samples
                    + ", \"peak_pools_incl_garbage_mb\": " + mb(peakPools)
                    + ", \"live_after_mb\": " + mb(after)
                    + ", \"error\": \"" + (outcome.error() == null ? "" : outcome.error().replace("\"", "'")) + "\"}");
        }
    }

    /** Heap used after every full collection, from the collector's notification. */
    private static void listenToFullCollections() {
        Set<String> heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(pool -> pool.getType() == MemoryType.HEAP).map(MemoryPoolMXBean::getName).collect(Collectors.toSet());
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            ((NotificationEmitter) gc).addNotificationListener((notification, handback) -> {
                if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) {
                    return;
                }
                GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData());
                if (!info.getGcAction().contains("major") && !"System.gc()".equals(info.getGcCause())) {
                    return;
                }
                long used = 0;
                for (Map.Entry<String, MemoryUsage> pool : info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
                    if (heapPools.contains(pool.getKey())) {
                        used += pool.getValue().getUsed();
                    }
                }
                lastAfterFullGc.set(used);
                maxAfterFullGc.accumulateAndGet(used, Math::max);
                fullGcs.incrementAndGet();
            }, null, null);
        }
    }

    private static double mb(long bytes) {
        return Math.round(bytes / 1024.0 / 1024.0 * 10) / 10.0;
    }

    private static double round(double value) {
        return Math.round(value * 100) / 100.0;
    }
}
