package io.tern.storage.mvstore;

import io.tern.spi.failpoint.Failpoint;
import io.tern.spi.failpoint.Failpoints;
import io.tern.spi.storage.EntryVisitor;
import io.tern.spi.storage.Snapshot;
import io.tern.spi.storage.StorageContext;
import io.tern.spi.storage.StorageEngine;
import io.tern.spi.storage.StorageException;
import io.tern.spi.storage.StorageStats;
import io.tern.spi.storage.WriteBatch;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.h2.mvstore.DataUtils;
import org.h2.mvstore.FileStore;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.MVStoreException;
import org.h2.mvstore.RandomAccessStore;
import org.h2.mvstore.RootReference;

/**
 * Tern's store in one MVStore file, {@value #FILE_NAME}.
 *
 * <h2>Whole batches, in memory and on disk</h2>
 * MVStore applies each {@code put} to its map at once, so a reader of the live map could see half a batch,
 * and a store (commit) could write half a batch to the file. Neither happens here:
 * <ul>
 *   <li>{@link #write} applies a batch under {@link #lock} and then publishes the map's root, an immutable
 *       page tree, in {@link #published}. All reads of the engine go through the published root, so they see
 *       whole batches only.</li>
 *   <li>MVStore's own auto-commit is off, both the background writer (auto-commit delay 0) and the store that
 *       otherwise happens when unsaved memory grows (auto-commit buffer 0). Commits happen only under
 *       {@link #lock}, between batches: from {@code write} at most every {@code commitInterval}, from a
 *       background thread when writes stop, and from {@link #sync} and {@link #close}.</li>
 * </ul>
 *
 * <h2>Old roots and reused chunks</h2>
 * Pages that a commit wrote are dropped from memory and read back from the file on demand, and MVStore
 * reuses a chunk once no live page is in it and no registered version needs it. So every read registers the
 * store version ({@code registerVersionUsage}) before it takes the published root, and keeps it until the read
 * ends; a {@link Snapshot} keeps its registration until closed. Registering first matters: MVStore retires a
 * replaced page at the version current when a write replaced it, and the version only advances at commits,
 * which never overlap a write. So a root taken after registering version V can only lose pages to writes at
 * V or later, and those pages stay readable while V is registered.
 *
 * <p>A failure in the middle of a batch or of a commit leaves the map holding part of a batch; from then on
 * the engine refuses every call (reads included) and closes without committing, like a crash would.
 */
final class MVStoreStorageEngine implements StorageEngine {
    static final String FILE_NAME = StoreFormat.FILE_NAME;
    private static final System.Logger LOG = System.getLogger(MVStoreStorageEngine.class.getName());
    /** Most live bytes one idle compaction rewrites. */
    private static final int COMPACT_WRITE_LIMIT = 16 * 1024 * 1024;
    /** Defragmenting rewrites chunks whose live share is below this percentage. */
    private static final int DEFRAGMENT_FILL_RATE = 90;

    private final Path file;
    private final MVStoreOptions options;
    private final String member;
    private final java.util.function.LongConsumer commitTimer;
    /** Passed once the first entry of a checkpoint is written ({@link Failpoints.Name#SAVE_SNAPSHOT_MIDWAY}). */
    private final Failpoint checkpointMidway;
    private final MVStore store;
    private final MVMap<byte[], byte[]> map;
    /** Guards changes to the map, commits, compaction and close. */
    private final ReentrantLock lock = new ReentrantLock();
    private final Set<MVStoreSnapshot> snapshots = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService background;

    /** The map's root after the last whole batch. */
    private volatile RootReference<byte[], byte[]> published;
    private volatile boolean closed;
    /** Set once the map may hold part of a batch: nothing may be committed after that. */
    private volatile Throwable failure;

    // Guarded by lock.
    private long lastCommitNanos;
    private long batchesSinceIdleTick;

    private MVStoreStorageEngine(Path file, MVStoreOptions options, String member,
                                 java.util.function.LongConsumer commitTimer, Failpoint checkpointMidway, MVStore store,
                                 MVMap<byte[], byte[]> map) {
        this.commitTimer = commitTimer;
        this.checkpointMidway = checkpointMidway;
        this.file = file;
        this.options = options;
        this.member = member;
        this.store = store;
        this.map = map;
        this.published = map.flushAndGetRoot();
        this.lastCommitNanos = System.nanoTime();
        this.background = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tern-mvstore-" + member);
            t.setDaemon(true);
            return t;
        });
    }

    /** Opens (or creates) the store in {@code directory}; see {@link MVStoreStorageProvider}. */
    static MVStoreStorageEngine open(Path directory, MVStoreOptions options, StorageContext context) {
        Path file = directory.resolve(FILE_NAME);
        prepareDirectory(directory);
        MVStore store;
        try {
            store = new MVStore.Builder()
                    .fileName(file.toAbsolutePath().toString())
                    .autoCommitDisabled() // no background writer thread
                    .autoCommitBufferSize(0) // no store when unsaved memory grows: it could land mid-batch
                    .cacheSize(options.cacheMiB())
                    .pageSplitSize(options.pageSplitBytes())
                    .open();
        } catch (MVStoreException e) {
            if (e.getErrorCode() == DataUtils.ERROR_FILE_LOCKED) {
                throw new StorageException(file + " is locked: another engine has " + directory + " open", e);
            }
            throw new StorageException("cannot open MVStore file " + file + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new StorageException("cannot open MVStore file " + file + ": " + e, e);
        }
        MVStoreStorageEngine engine;
        try {
            store.setRetentionTime((int) options.retention().toMillis());
            MVMap<byte[], byte[]> map = StoreFormat.openMap(store, file);
            if (store.hasUnsavedChanges()) {
                store.commit();
            }
            String member = Objects.requireNonNullElse(context.memberName(), "?");
            engine = new MVStoreStorageEngine(file, options, member, context.commitNanos(),
                    context.failpoints().point(Failpoints.Name.SAVE_SNAPSHOT_MIDWAY), store, map);
        } catch (RuntimeException e) {
            store.closeImmediately();
            throw e instanceof StorageException se ? se
                    : new StorageException("cannot open the Tern map in " + file + ": " + e, e);
        }
        long every = options.idleCommitInterval().toMillis();
        engine.background.scheduleWithFixedDelay(engine::idleTick, every, every, TimeUnit.MILLISECONDS);
        LOG.log(System.Logger.Level.DEBUG, "opened {0}", engine.describe());
        return engine;
    }

    /**
     * Creates {@code directory} if needed and refuses one that holds anything but this engine's file (hidden
     * files and {@code lost+found} aside), so another engine's data is never mistaken for an empty store.
     */
    private static void prepareDirectory(Path directory) {
        List<String> foreign;
        try {
            Files.createDirectories(directory);
            try (Stream<Path> files = Files.list(directory)) {
                foreign = files.map(p -> p.getFileName().toString())
                        .filter(n -> !n.equals(FILE_NAME) && !n.startsWith(".") && !n.equals("lost+found"))
                        .sorted()
                        .toList();
            }
        } catch (IOException e) {
            throw new StorageException("cannot prepare data directory " + directory + ": " + e, e);
        }
        if (!foreign.isEmpty()) {
            throw new StorageException("directory " + directory + " is not an mvstore data directory: besides "
                    + FILE_NAME + " it holds " + String.join(", ", foreign.subList(0, Math.min(10, foreign.size())))
                    + (foreign.size() > 10 ? ", ..." : "") + "; is it another engine's?");
        }
    }

    @Override
    public void write(WriteBatch batch) {
        lock.lock();
        try {
            ensureUsable("write");
            if (batch.isEmpty()) {
                return;
            }
            apply(batch);
            batchesSinceIdleTick++;
            if (System.nanoTime() - lastCommitNanos >= options.commitInterval().toNanos()) {
                commit("write");
            }
        } finally {
            lock.unlock();
        }
    }

    /** Applies a batch to the map and publishes the new root. Caller holds {@link #lock}. */
    private void apply(WriteBatch batch) {
        try {
            batch.forEach(new WriteBatch.Visitor() {
                @Override
                public void put(byte[] key, byte[] value) {
                    // Pages keep the arrays they are given, and the caller may reuse its own.
                    map.put(key.clone(), value.clone());
                }

                @Override
                public void delete(byte[] key) {
                    map.remove(key);
                }
            });
            published = map.flushAndGetRoot();
        } catch (RuntimeException | Error e) {
            failure = e;
            if (e instanceof Error error) {
                throw error;
            }
            throw new StorageException(describe() + ": a batch of " + batch.size() + " mutations failed part-way"
                    + " and is not visible; the engine refuses further calls and will not store it: " + e, e);
        }
    }

    /** Commits the map as of the last whole batch. Caller holds {@link #lock}. */
    private void commit(String why) {
        try {
            long started = System.nanoTime();
            store.commit();
            lastCommitNanos = System.nanoTime();
            commitTimer.accept(lastCommitNanos - started);
        } catch (RuntimeException e) {
            failure = e;
            throw new StorageException(describe() + ": commit (" + why + ") failed: " + e, e);
        }
    }

    @Override
    public byte[] get(byte[] key) {
        ensureUsable("get");
        MVStore.TxCounter version = store.registerVersionUsage();
        try {
            return RootReads.get(map, published, key, e -> readFailure("get", e));
        } finally {
            store.deregisterVersionUsage(version);
        }
    }

    @Override
    public void scan(byte[] from, byte[] to, boolean reverse, EntryVisitor visitor) {
        ensureUsable("scan");
        MVStore.TxCounter version = store.registerVersionUsage();
        try {
            RootReads.scan(map, published, from, to, reverse, visitor, e -> readFailure("scan", e));
        } finally {
            store.deregisterVersionUsage(version);
        }
    }

    @Override
    public Snapshot snapshot() {
        ensureUsable("snapshot");
        MVStore.TxCounter version = store.registerVersionUsage();
        MVStoreSnapshot snapshot = new MVStoreSnapshot(this, published, version);
        snapshots.add(snapshot);
        if (closed) {
            // close() ran between the check and the add and may have missed this snapshot; the store is
            // closed or closing, so the registration no longer matters.
            snapshots.remove(snapshot);
            snapshot.invalidate();
            ensureUsable("snapshot");
        }
        return snapshot;
    }

    /** Gives back a closed snapshot's version; under the lock, so that it cannot race with {@link #close}. */
    void release(MVStoreSnapshot snapshot, MVStore.TxCounter version) {
        lock.lock();
        try {
            snapshots.remove(snapshot);
            if (!closed) {
                store.deregisterVersionUsage(version);
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void sync() {
        lock.lock();
        try {
            ensureUsable("sync");
            commit("sync");
            try {
                long started = System.nanoTime();
                store.sync();
                commitTimer.accept(System.nanoTime() - started);
            } catch (RuntimeException e) {
                // After a failed fsync the kernel's page cache cannot be trusted either.
                failure = e;
                throw new StorageException(describe() + ": sync failed: " + e, e);
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void checkpoint(Path target) {
        ensureUsable("checkpoint");
        try (MVStoreSnapshot snapshot = (MVStoreSnapshot) snapshot()) {
            Checkpoints.write(snapshot, target, describe(), checkpointMidway);
        }
    }

    /**
     * The file's size, and that size scaled by MVStore's two fill rates: the share of the file's blocks that
     * chunks occupy, and the share of the chunks' bytes that live pages hold. Both add the pages written since
     * the last commit (MVStore's count of unsaved memory): batches within one commit interval count at once,
     * as the backend quota needs.
     */
    @Override
    public StorageStats stats() {
        lock.lock();
        try {
            ensureUsable("stats");
            FileStore<?> fileStore = store.getFileStore();
            long unsaved = Math.max(0, store.getUnsavedMemory());
            long stored = fileStore.size();
            long live = stored * store.getFillRate() / 100 * fileStore.getChunksFillRate() / 100;
            return new StorageStats(stored + unsaved, Math.min(live, stored) + unsaved);
        } catch (RuntimeException e) {
            throw e instanceof StorageException se ? se : readFailure("stats", e);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        background.shutdown();
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            // Registered versions must be given back before MVStore closes, or it keeps (and asserts on) them.
            for (MVStoreSnapshot s : snapshots) {
                MVStore.TxCounter version = s.invalidate();
                if (version != null) {
                    store.deregisterVersionUsage(version);
                }
            }
            snapshots.clear();
            if (failure == null) {
                store.close(); // commits the last batches
            } else {
                store.closeImmediately(); // the map may hold part of a batch: store nothing
            }
        } catch (RuntimeException e) {
            throw new StorageException(describe() + ": close failed: " + e, e);
        } finally {
            lock.unlock();
        }
        awaitBackground();
        LOG.log(System.Logger.Level.DEBUG, "closed {0}", describe());
    }

    private void awaitBackground() {
        try {
            if (!background.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.log(System.Logger.Level.WARNING, "background thread of {0} did not stop within 10 s", describe());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The background thread's work: commit what writes left uncommitted and, when no batch came since the last
     * tick, compact a little. Skips the tick while a writer holds the lock; that writer commits on its own.
     */
    private void idleTick() {
        if (!lock.tryLock()) {
            return;
        }
        try {
            if (closed || failure != null) {
                return;
            }
            boolean idle = batchesSinceIdleTick == 0;
            batchesSinceIdleTick = 0;
            if (store.hasUnsavedChanges()) {
                commit("idle");
            }
            if (idle && options.autoCompactFillRate() > 0) {
                compact(options.autoCompactFillRate());
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "background work on " + describe() + " failed", e);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Rewrites live pages out of partly dead chunks, then moves chunks toward the start of the file and cuts
     * off the free end, in bounded steps (see {@link Defragmenter}). Each step holds the lock, so writes wait
     * for one step at most and go on between steps. Before a step may overwrite the space of a dropped chunk,
     * the commit that stopped using it is synced, so a crash never finds the last durable root pointing at
     * overwritten pages.
     */
    @Override
    public void defragment() {
        // Steps are sized by the chunks found at the start, not by those the steps write. What writers left
        // uncommitted (the deletions of a compaction that just ended, say) is committed first: otherwise the
        // file can look dense at the start, and the run would end before its first step.
        long startVersion = underLock("defragment", () -> {
            if (store.hasUnsavedChanges()) {
                commit("defragment");
            }
            return store.getCurrentVersion();
        });
        Defragmenter.Fill start = underLock("defragment", () -> Defragmenter.Fill.of(store.getFileStore()));
        Defragmenter.Outcome outcome = Defragmenter.run(start, () -> ChunkLayout.read(store, startVersion),
                this::defragmentStep);
        LOG.log(System.Logger.Level.INFO, "defragmented {0} in {1} steps: {2} -> {3} bytes", describe(),
                outcome.steps(), outcome.beforeBytes(), outcome.afterBytes());
    }

    /** One step of {@link #defragment}. */
    private Defragmenter.Fill defragmentStep(long rewriteBytes, long moveBytes) {
        // The bulk of what writers left unsynced goes out before the lock, so the sync under it is short.
        ensureUsable("defragment");
        try {
            store.sync();
        } catch (RuntimeException e) {
            ensureUsable("defragment"); // closed meanwhile
            failure = e; // after a failed fsync the kernel's page cache cannot be trusted either
            throw new StorageException(describe() + ": sync before a defragment step failed: " + e, e);
        }
        return underLock("defragment", () -> {
            // Everything before this step is durable first: with retention off, chunks that died in earlier
            // commits may be overwritten now.
            store.sync();
            // Readers register the versions they use (see above), so neither the retention time nor
            // MVStore's few extra kept versions protect anyone here; they would only keep dead chunks.
            int retention = store.getRetentionTime();
            int versionsToKeep = store.getVersionsToKeep();
            store.setRetentionTime(0);
            store.setVersionsToKeep(0);
            try {
                if (store.compact(DEFRAGMENT_FILL_RATE, (int) Math.min(Integer.MAX_VALUE, rewriteBytes))) {
                    published = map.flushAndGetRoot();
                }
                if (store.hasUnsavedChanges()) {
                    commit("defragment");
                }
                // MVStore syncs before it overwrites a chunk it moves, and after.
                if (store.getFileStore() instanceof RandomAccessStore file) {
                    file.compactMoveChunks(101, moveBytes, store);
                }
            } catch (RuntimeException e) {
                failure = e;
                throw new StorageException(describe() + ": defragment failed: " + e, e);
            } finally {
                store.setRetentionTime(retention);
                store.setVersionsToKeep(versionsToKeep);
            }
            return Defragmenter.Fill.of(store.getFileStore());
        });
    }

    /** Runs {@code action} under the lock on a usable engine. */
    private <T> T underLock(String what, Supplier<T> action) {
        lock.lock();
        try {
            ensureUsable(what);
            return action.get();
        } finally {
            lock.unlock();
        }
    }

    /** Runs one compaction step now with the given fill rate (tests use it); whether any page was rewritten. */
    boolean compactNow(int fillRate) {
        lock.lock();
        try {
            ensureUsable("compact");
            return compact(fillRate);
        } finally {
            lock.unlock();
        }
    }

    /** The live share of the chunks' bytes, in percent (tests use it). */
    int chunksFillRate() {
        lock.lock();
        try {
            ensureUsable("inspect");
            return store.getFileStore().getChunksFillRate();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Rewrites live pages out of chunks that are mostly dead, so their space can be reused once the chunks
     * are retired. The rewritten pages hold the same entries, so readers of older roots are unaffected.
     * Caller holds {@link #lock}.
     */
    private boolean compact(int fillRate) {
        if (store.getFileStore().getChunksFillRate() >= fillRate) {
            return false;
        }
        boolean rewritten;
        try {
            // Room for the biggest partly dead chunk, which MVStore would otherwise pass over.
            long biggest = ChunkLayout.read(store, Long.MAX_VALUE).largestPartlyDeadLiveBytes();
            rewritten = store.compact(fillRate, (int) Math.min(Integer.MAX_VALUE, biggest + COMPACT_WRITE_LIMIT));
        } catch (RuntimeException e) {
            failure = e;
            throw new StorageException(describe() + ": compaction failed: " + e, e);
        }
        if (rewritten) {
            published = map.flushAndGetRoot();
            commit("compaction");
        }
        return rewritten;
    }

    /** Whether batches were written since the last commit (tests use it). */
    boolean hasUncommittedBatches() {
        lock.lock();
        try {
            ensureUsable("inspect");
            return store.hasUnsavedChanges();
        } finally {
            lock.unlock();
        }
    }

    /** Closes the file without committing or writing anything, as a crash of the process would (tests). */
    void crash() {
        background.shutdownNow();
        lock.lock();
        try {
            closed = true;
            snapshots.forEach(MVStoreSnapshot::invalidate);
            snapshots.clear();
            store.closeImmediately();
        } finally {
            lock.unlock();
        }
        awaitBackground();
    }

    MVMap<byte[], byte[]> map() {
        return map;
    }

    boolean isClosed() {
        return closed;
    }

    String describe() {
        return "mvstore engine on " + file + " (member " + member + ")";
    }

    StorageException readFailure(String operation, RuntimeException e) {
        if (closed) {
            return new StorageException(describe() + " is closed; " + operation + " failed: " + e, e);
        }
        return new StorageException(describe() + ": " + operation + " failed: " + e, e);
    }

    private void ensureUsable(String operation) {
        if (closed) {
            throw new StorageException(describe() + " is closed; cannot " + operation);
        }
        Throwable f = failure;
        if (f != null) {
            throw new StorageException(describe() + " failed earlier and refuses to " + operation
                    + "; close and reopen it: " + f, f);
        }
    }
}
