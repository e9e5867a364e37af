package io.tern.api.mvcc;

import io.tern.api.error.EtcdError;
import io.tern.api.proto.etcdserverpb.RangeRequest;
import io.tern.api.proto.etcdserverpb.RangeResponse;
import io.tern.spi.failpoint.Failpoints;
import io.tern.spi.storage.StorageEngine;
import io.tern.spi.storage.StorageStats;
import io.tern.spi.storage.WriteBatch;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;

/**
 * etcd's MVCC key-value store on a {@link StorageEngine} (layout in {@link KeyLayout}).
 *
 * <h2>Threading</h2>
 * One writer: write transactions ({@link #beginWrite()}) come from the consensus apply thread, one at a
 * time. Reads come from any thread; they read at a published revision, so a write transaction in flight
 * is invisible to them until {@link KvStoreTxn#commit} publishes its revision. Background compaction
 * removes only versions no reader at or above the compacted revision can reach.
 *
 * <p>An empty store is at revision 1, as etcd's is; the first write makes revision 2.
 */
public final class KvStore implements AutoCloseable {
    static final byte[] META_REVISION = KeyLayout.meta("revision");
    static final byte[] META_APPLIED = KeyLayout.meta("applied-index");
    static final byte[] META_COMPACT = KeyLayout.meta("compact-revision");
    static final byte[] META_COMPACT_DONE = KeyLayout.meta("compact-finished");
    static final byte[] META_CLUSTER_ID = KeyLayout.meta("cluster-id");
    /** Every user and role and the auth switch, one record (the auth layer's encoding). */
    static final byte[] META_AUTH = KeyLayout.meta("auth");
    /** The raised alarms, one record (the maintenance layer's encoding). */
    static final byte[] META_ALARMS = KeyLayout.meta("alarms");
    /** How many keys are live at the current revision (etcd's keys_total). */
    static final byte[] META_KEYS = KeyLayout.meta("keys");

    private final StorageEngine engine;
    /** Serializes engine writes between the apply thread and the compactor. */
    private final ReentrantLock writeLock = new ReentrantLock();
    private final KvStoreCompaction compaction;
    private volatile long currentRevision;
    private volatile long compactRevision;
    private volatile long appliedIndex;
    private volatile long keys;
    private boolean writing;

    private KvStore(StorageEngine engine, Failpoints failpoints) {
        this.engine = engine;
        this.currentRevision = Math.max(1, readMeta(META_REVISION));
        this.compactRevision = readMeta(META_COMPACT);
        this.appliedIndex = readMeta(META_APPLIED);
        this.keys = engine.get(META_KEYS) != null ? readMeta(META_KEYS) : countLiveKeys();
        this.compaction = new KvStoreCompaction(this, readMeta(META_COMPACT_DONE),
                failpoints.point(Failpoints.Name.COMPACT_AFTER_COMMIT_BATCH));
    }

    /** Opens the store kept in {@code engine}, resuming a compaction a crash interrupted. */
    public static KvStore open(StorageEngine engine) {
        return open(engine, Failpoints.NONE);
    }

    /** As {@link #open(StorageEngine)}, passing the compaction's failpoint in {@code failpoints}. */
    public static KvStore open(StorageEngine engine, Failpoints failpoints) {
        KvStore store = new KvStore(engine, failpoints);
        if (store.compaction.finished() < store.compactRevision) {
            store.compaction.schedule(store.compactRevision);
        }
        return store;
    }

    public long currentRevision() {
        return currentRevision;
    }

    public long compactRevision() {
        return compactRevision;
    }

    /** The index of the last log entry whose effects this store holds. */
    public long appliedIndex() {
        return appliedIndex;
    }

    /** Keys live at the current revision. */
    public long keyCount() {
        return keys;
    }

    /** A store written before the count was kept: counted once, recorded with the next commit that changes it. */
    private long countLiveKeys() {
        long[] n = {0};
        VersionScan.live(engine, new byte[0], null, currentRevision, false, (k, v) -> {
            n[0]++;
            return true;
        });
        return n[0];
    }

    public StorageStats stats() {
        return engine.stats();
    }

    /** Range over the published state. The response's header carries only the current revision. */
    public RangeResponse.Builder range(RangeRequest request) {
        long current = currentRevision;
        RangeResponse.Builder out = KvStoreRange.range(engine, request, current, compactRevision);
        checkNotCompacted(request.getRevision() > 0 ? request.getRevision() : current);
        return out;
    }

    /**
     * Fails with etcd's compacted error when a read at {@code rev} that has just finished may have been
     * overtaken by a compaction (reads take no lock against the compactor, so they check afterwards).
     */
    public void checkNotCompacted(long rev) {
        if (rev < compactRevision) {
            throw EtcdError.COMPACTED.exception();
        }
    }

    /** Receives one granted lease. */
    @FunctionalInterface
    public interface LeaseVisitor {
        void lease(long id, long ttl);
    }

    /** Visits every granted lease with its granted TTL in seconds, as of the last commit. */
    public void leases(LeaseVisitor visitor) {
        KvStoreLeases.leases(engine, visitor);
    }

    /** Receives one cluster member record. */
    @FunctionalInterface
    public interface MemberVisitor {
        void member(long id, byte[] record);
    }

    /** Visits every cluster member record as of the last commit, in unsigned id order. */
    public void members(MemberVisitor visitor) {
        KvStoreLeases.members(engine, visitor);
    }

    /** True when member {@code id} was removed from the cluster, as of the last commit. */
    public boolean memberRemoved(long id) {
        return engine.get(KeyLayout.removedMemberKey(id)) != null;
    }

    /** The auth record as of the last commit (the auth layer's encoding); null before any auth change. */
    public byte[] authData() {
        return engine.get(META_AUTH);
    }

    /** The alarms record as of the last commit (the maintenance layer's encoding); null before any alarm. */
    public byte[] alarms() {
        return engine.get(META_ALARMS);
    }

    /** The checksum etcd's HashKV reports, as the {@code KvStoreHash} class defines it. */
    public record KvHash(int hash, long compactRevision, long hashRevision, long currentRevision) {
    }

    /**
     * HashKV at {@code revision} (0: the current one). Fails with etcd's compacted error below the compacted
     * revision and its future-revision error above the current one.
     */
    public KvHash hashKv(long revision) {
        return KvStoreHash.hashKv(engine, revision);
    }

    /** etcd's Hash: a checksum of everything stored, metadata included (meant for tests). */
    public int hashAll() {
        return KvStoreHash.hashAll(engine);
    }

    /** A frozen copy of the store for etcd's Snapshot; the caller closes it. */
    public KvSnapshot snapshot() {
        return KvSnapshot.of(engine);
    }

    /** Gives back the disk space of deleted and compacted versions; writes go on meanwhile. */
    public void defragment() {
        engine.defragment();
    }

    /** The cluster id recorded by the cluster's first entry; 0 before it is applied. */
    public long clusterId() {
        return readMeta(META_CLUSTER_ID);
    }

    /** The keys attached to lease {@code id} as of the last commit, in key order. */
    public java.util.List<byte[]> leaseKeys(long id) {
        return KvStoreLeases.attachedKeys(engine, id);
    }

    /**
     * Visits the key changes of revisions {@code from..to} (inclusive) in revision order, as stored;
     * {@code to} must not exceed {@link #currentRevision()}. Fails with etcd's compacted error when
     * {@code from} is below the compacted revision or becomes so while reading.
     */
    public void changes(long from, long to, java.util.function.Predicate<KvChange> visitor) {
        checkNotCompacted(from);
        KvStoreChanges.read(this, from, to, visitor);
        checkNotCompacted(from);
    }

    /** Makes every commit made so far durable. */
    public void sync() {
        engine.sync();
    }

    /**
     * Writes a consistent, durable copy of the store to {@code dir}. Writes go on meanwhile (the engine's
     * contract): the copy holds every commit made before the call, and may hold later ones, never in part.
     */
    public void checkpoint(java.nio.file.Path dir) {
        engine.checkpoint(dir);
    }

    /** Starts the next write transaction; the apply thread's alone. */
    public KvStoreTxn beginWrite() {
        if (writing) {
            throw new IllegalStateException("a write transaction is already open at revision " + currentRevision);
        }
        writing = true;
        return new KvStoreTxn(this, engine, currentRevision, compactRevision);
    }

    /**
     * A transaction for read-only txns, over the published state, from any thread. Only its reads may be
     * used; it is never committed.
     */
    public KvStoreTxn beginRead() {
        return new KvStoreTxn(null, engine, currentRevision, compactRevision);
    }

    /** The future of the physical compaction up to {@code revision}, done when its versions are gone. */
    public CompletableFuture<Void> compactionDone(long revision) {
        return compaction.done(revision);
    }

    void commit(WriteBatch batch, long revision, long compact, long applied, boolean compactionScheduled,
                long keyDelta) {
        batch.put(META_REVISION, KeyLayout.encodeLong(revision));
        if (keyDelta != 0) {
            batch.put(META_KEYS, KeyLayout.encodeLong(keys + keyDelta));
        }
        batch.put(META_APPLIED, KeyLayout.encodeLong(applied));
        if (compact != compactRevision) {
            batch.put(META_COMPACT, KeyLayout.encodeLong(compact));
        }
        write(batch);
        currentRevision = revision;
        compactRevision = compact;
        appliedIndex = applied;
        keys += keyDelta;
        writing = false;
        if (compactionScheduled) {
            compaction.schedule(compact);
        }
    }

    void abandon() {
        writing = false;
    }

    void write(WriteBatch batch) {
        writeLock.lock();
        try {
            engine.write(batch);
        } finally {
            writeLock.unlock();
        }
    }

    StorageEngine engine() {
        return engine;
    }

    private long readMeta(byte[] key) {
        byte[] v = engine.get(key);
        return v == null ? 0 : KeyLayout.decodeLong(v);
    }

    /** Stops background compaction (it resumes on the next open) and closes the engine. */
    @Override
    public void close() {
        compaction.close();
        engine.close();
    }
}
