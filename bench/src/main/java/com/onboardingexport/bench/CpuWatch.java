package com.onboardingexport.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * How busy the machine was with work that is not the benchmark's: the CPU time the whole machine
 * spent (/proc/stat) minus what this JVM and its descendants spent (Strapi, child JVMs; /proc/PID/stat,
 * children reaped included), per phase of the run, in cores.
 */
final class CpuWatch {
    private static final double TICKS = 100.0; // USER_HZ on Linux

    record Phase(String name, double seconds, double ourCores, double otherCores) {
    }

    private final List<Phase> phases = new ArrayList<>();
    private String current;
    private long startNanos;
    private double startTotal;
    private double startOurs;

    void begin(String name) {
        end();
        current = name;
        startNanos = System.nanoTime();
        startTotal = machineSeconds();
        startOurs = ourSeconds();
    }

    void end() {
        if (current == null) {
            return;
        }
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        double ours = ourSeconds() - startOurs;
        double total = machineSeconds() - startTotal;
        phases.add(new Phase(current, seconds, ours / seconds, Math.max(0, total - ours) / seconds));
        current = null;
    }

    List<Phase> phases() {
        return phases;
    }

    /** Busy CPU seconds of the whole machine since boot. */
    private static double machineSeconds() {
        try {
            String[] cpu = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            // cpu user nice system idle iowait irq softirq steal ...
            long busy = 0;
            for (int i : new int[] {1, 2, 3, 6, 7, 8}) {
                busy += Long.parseLong(cpu[i]);
            }
            return busy / TICKS;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** CPU seconds of this JVM (with its reaped children) and of its live descendants. */
    private static double ourSeconds() {
        double seconds = processSeconds(ProcessHandle.current().pid());
        for (ProcessHandle child : ProcessHandle.current().descendants().toList()) {
            seconds += processSeconds(child.pid());
        }
        return seconds;
    }

    static double processSeconds(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // after "pid (comm) ": state(0) ... utime(11) stime(12) cutime(13) cstime(14)
            return (Long.parseLong(fields[11]) + Long.parseLong(fields[12]) + Long.parseLong(fields[13])
                    + Long.parseLong(fields[14])) / TICKS;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
