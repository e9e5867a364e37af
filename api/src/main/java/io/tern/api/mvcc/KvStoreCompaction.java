package io.tern.api.mvcc;

import io.tern.spi.failpoint.Failpoint;
import io.tern.spi.storage.WriteBatch;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Physical compaction in the background. Compacting to revision {@code R} keeps, for every key, its
 * newest version at or below {@code R} unless that is a tombstone older than {@code R}, and removes every
 * older version and every change-log entry below {@code R}:
 *
 * <pre>
 *  versions of "a":  3(put) 5(put) 8(del) 11(put)     compact to 9  ->  11(put)
 *  versions of "b":  4(put) 7(put)                    compact to 9  ->  7(put)
 *  versions of "c":  2(put) 9(del)                    compact to 9  ->  9(del)
 * </pre>
 *
 * Revision {@code R} itself stays whole (its change-log entries and tombstones), so a watch may still
 * start at the compacted revision, as etcd allows; the next compaction removes what it kept.
 *
 * Readers at or above {@code R} never need what is removed, so no lock keeps them out. Work goes in
 * chunks of {@link #CHUNK} change-log entries, each one storage batch; {@code compact-finished} records
 * progress, so a crash resumes where it stopped.
 */
final class KvStoreCompaction implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(KvStoreCompaction.class.getName());
    static final int CHUNK = 1000;

    private final KvStore store;
    /** Passed after each chunk that leaves the compaction unfinished ({@code compactAfterCommitBatch}). */
    private final Failpoint afterBatch;
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "tern-compaction");
        t.setDaemon(true);
        return t;
    });
    private final ConcurrentSkipListMap<Long, CompletableFuture<Void>> waiting = new ConcurrentSkipListMap<>();
    private volatile long finished;
    private volatile boolean closed;

    KvStoreCompaction(KvStore store, long finished, Failpoint afterBatch) {
        this.store = store;
        this.afterBatch = afterBatch;
        this.finished = finished;
    }

    long finished() {
        return finished;
    }

    void schedule(long revision) {
        worker.execute(() -> run(revision));
    }

    /** Completes when compaction has physically reached {@code revision}. */
    CompletableFuture<Void> done(long revision) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        waiting.put(revision, f);
        if (finished >= revision) {
            release();
        }
        return f;
    }

    private void run(long target) {
        try {
            while (!closed && finished < target) {
                compactChunk(target);
            }
            release();
        } catch (RuntimeException e) {
            if (!closed) {
                LOG.log(System.Logger.Level.ERROR, "compaction to revision " + target + " failed at " + finished, e);
                waiting.headMap(target, true).values().forEach(f -> f.completeExceptionally(e));
            }
        }
    }

    private void compactChunk(long target) {
        List<byte[]> changes = new ArrayList<>(CHUNK);
        Set<String> seen = new LinkedHashSet<>();
        List<byte[]> keys = new ArrayList<>();
        long[] last = {finished};
        // From `finished` itself: the previous compaction kept its target revision's entries.
        store.engine().scan(KeyLayout.changeKey(finished, 0), KeyLayout.changeKey(target + 1, 0), false, (k, v) -> {
            Revision rev = KeyLayout.changeRevision(k);
            if (changes.size() >= CHUNK && rev.main() != last[0]) {
                return false; // stop on a revision boundary so progress is a whole revision
            }
            changes.add(k);
            last[0] = rev.main();
            if (seen.add(java.util.HexFormat.of().formatHex(v))) {
                keys.add(v);
            }
            return true;
        });
        boolean reachedEnd = changes.size() < CHUNK || last[0] >= target;
        long progress = reachedEnd ? target : last[0];
        WriteBatch batch = new WriteBatch();
        for (byte[] key : keys) {
            removeSuperseded(batch, key, target);
        }
        for (byte[] change : changes) {
            if (KeyLayout.changeRevision(change).main() < target) {
                batch.delete(change);
            }
        }
        batch.put(KvStore.META_COMPACT_DONE, KeyLayout.encodeLong(progress));
        store.write(batch);
        finished = progress;
        release();
        if (progress < target) {
            afterBatch.hit();
        }
    }

    /**
     * Deletes every version of {@code key} at or below {@code target} except the newest one, which goes
     * too when it is a tombstone written before {@code target}.
     */
    private void removeSuperseded(WriteBatch batch, byte[] key, long target) {
        byte[] prefix = KeyLayout.keyPrefix(key);
        boolean[] first = {true};
        store.engine().scan(KeyLayout.versionKey(prefix, target), KeyLayout.prefixEnd(prefix), false, (k, v) -> {
            if (first[0]) {
                first[0] = false;
                if (!VersionRecord.isTombstone(v) || KeyLayout.versionMain(k) == target) {
                    return true;
                }
            }
            batch.delete(k);
            return true;
        });
    }

    private void release() {
        for (Map.Entry<Long, CompletableFuture<Void>> e : waiting.headMap(finished, true).entrySet()) {
            e.getValue().complete(null);
            waiting.remove(e.getKey());
        }
    }

    /**
     * Stops after the chunk in progress and waits for it, so no compaction write reaches a closed engine.
     * No interrupt: an interrupted file channel would close under the engine.
     */
    @Override
    public void close() {
        closed = true;
        worker.shutdown();
        try {
            if (!worker.awaitTermination(60, java.util.concurrent.TimeUnit.SECONDS)) {
                throw new IllegalStateException("compaction did not stop within 60 s at revision " + finished);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for compaction to stop", e);
        }
        waiting.values().forEach(f -> f.completeExceptionally(new IllegalStateException("store closed")));
    }
}
