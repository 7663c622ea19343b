package com.onboardingexport.export.store;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The conditional store in memory, for tests: thread-safe, a new version on every write, and told
 * on demand to fail a read or a write, to lose a write's answer, or to let another writer in just
 * before a write (a race, decided the moment it matters).
 */
public final class InMemoryConditionalStore implements ConditionalStore {
    /** What befalls the next write under a prefix. */
    public enum Fault {
        /** The store refuses it: nothing is stored ({@link Unavailable}). */
        UNAVAILABLE,
        /** It is stored, but its answer never comes ({@link Unanswered}). */
        ANSWER_LOST,
        /** It never arrives, and its answer never comes either ({@link Unanswered}, nothing stored). */
        NEVER_ARRIVED,
        /** It is stored, then refused, as S3's retry of an attempt whose answer was lost is ({@link ConditionFailed}). */
        STORED_THEN_REFUSED
    }

    private record Pending(String prefix, Fault fault, java.util.function.Consumer<String> race) {
        boolean matches(String key) {
            return key.startsWith(prefix);
        }
    }

    private final Map<String, Versioned<byte[]>> objects = new TreeMap<>();
    private final List<Pending> pendingWrites = new ArrayList<>();
    private final List<String> failingReads = new ArrayList<>();
    private long lastVersion;

    /** The next write of a key under {@code prefix} meets {@code fault}. */
    public synchronized InMemoryConditionalStore onNextWrite(String prefix, Fault fault) {
        pendingWrites.add(new Pending(prefix, fault, null));
        return this;
    }

    /** Just before the next write of a key under {@code prefix}, {@code otherWriter} runs: it wins whatever race it enters. */
    public synchronized InMemoryConditionalStore beforeNextWrite(String prefix, Runnable otherWriter) {
        return beforeNextWrite(prefix, key -> otherWriter.run());
    }

    /** As {@link #beforeNextWrite(String, Runnable)}, told the key about to be written. */
    public synchronized InMemoryConditionalStore beforeNextWrite(String prefix, java.util.function.Consumer<String> otherWriter) {
        pendingWrites.add(new Pending(prefix, null, otherWriter));
        return this;
    }

    /** The next write of a key under {@code prefix} goes as any other: what is registered after it befalls the one after. */
    public synchronized InMemoryConditionalStore passNextWrite(String prefix) {
        pendingWrites.add(new Pending(prefix, null, null));
        return this;
    }

    /** Every read of a key under {@code prefix} fails from now on. */
    public synchronized InMemoryConditionalStore failReads(String prefix) {
        failingReads.add(prefix);
        return this;
    }

    /** Stores {@code json} as it is, unconditionally: what an earlier version of the code, or a person, left there. */
    public synchronized void put(String key, String json) {
        objects.put(key, new Versioned<>(json.getBytes(StandardCharsets.UTF_8), nextVersion()));
    }

    /** The object's JSON as stored; empty when there is none. */
    public synchronized Optional<String> json(String key) {
        return Optional.ofNullable(objects.get(key)).map(o -> new String(o.value(), StandardCharsets.UTF_8));
    }

    /** The keys under {@code prefix}, in order. */
    public synchronized List<String> keys(String prefix) {
        return objects.keySet().stream().filter(k -> k.startsWith(prefix)).toList();
    }

    @Override
    public synchronized Optional<Versioned<byte[]>> find(String key) {
        if (failingReads.stream().anyMatch(key::startsWith)) {
            throw new Unavailable("reads of " + key + " fail", null);
        }
        return Optional.ofNullable(objects.get(key));
    }

    @Override
    public String create(String key, String json) {
        return write(key, json, null);
    }

    @Override
    public String replace(String key, String json, String version) {
        return write(key, json, version);
    }

    @Override
    public synchronized void delete(String key) {
        objects.remove(key);
    }

    private String write(String key, String json, String version) {
        Pending pending = takePending(key, false);
        if (pending != null && pending.race() != null) {
            pending.race().accept(key); // outside the lock: the other writer uses this store as any writer does
            pending = takePending(key, true);
        }
        synchronized (this) {
            Fault fault = pending == null ? null : pending.fault();
            if (fault == Fault.UNAVAILABLE) {
                throw new Unavailable("the store refused the write of " + key, null);
            }
            if (fault == Fault.NEVER_ARRIVED) {
                throw new Unanswered("the write of " + key + " was cut before it arrived", null);
            }
            Versioned<byte[]> current = objects.get(key);
            boolean holds = version == null ? current == null : current != null && version.equals(current.eTag());
            if (!holds) {
                throw new ConditionFailed("the condition of the write of " + key + " failed", null);
            }
            String stored = nextVersion();
            objects.put(key, new Versioned<>(json.getBytes(StandardCharsets.UTF_8), stored));
            if (fault == Fault.ANSWER_LOST) {
                throw new Unanswered("the answer to the write of " + key + " was lost", null);
            }
            if (fault == Fault.STORED_THEN_REFUSED) {
                throw new ConditionFailed("a retry of the write of " + key + " met the object it stored", null);
            }
            return stored;
        }
    }

    /** The first race or fault pending for this key, removed; with {@code faultOnly}, only if it is a fault. */
    private synchronized Pending takePending(String key, boolean faultOnly) {
        for (int i = 0; i < pendingWrites.size(); i++) {
            if (pendingWrites.get(i).matches(key)) {
                return faultOnly && pendingWrites.get(i).race() != null ? null : pendingWrites.remove(i);
            }
        }
        return null;
    }

    private String nextVersion() {
        return "\"v" + (++lastVersion) + "\"";
    }
}
