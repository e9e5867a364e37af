package io.tern.api.mvcc;

import io.tern.api.error.EtcdError;
import io.tern.api.proto.etcdserverpb.DeleteRangeRequest;
import io.tern.api.proto.etcdserverpb.DeleteRangeResponse;
import io.tern.api.proto.etcdserverpb.PutRequest;
import io.tern.api.proto.etcdserverpb.PutResponse;
import io.tern.api.proto.etcdserverpb.RangeRequest;
import io.tern.api.proto.etcdserverpb.RangeResponse;
import io.tern.api.proto.mvccpb.KeyValue;
import io.tern.spi.storage.ReadView;
import io.tern.spi.storage.StorageEngine;
import io.tern.spi.storage.WriteBatch;

import java.util.ArrayList;
import java.util.List;

/**
 * One storage batch of write operations, spanning the log entries of one apply call. Each entry is a
 * unit: {@link #beginEntry()} opens the next revision, {@link #endEntry()} takes it when the entry
 * changed something. Reads inside see the batch's own pending writes. Nothing is visible to other
 * readers, or durable, before {@link #commit}.
 *
 * <p>Operations validate before they write (etcd's check-then-apply): a failing operation throws
 * {@link io.tern.api.error.EtcdException} and leaves no trace in the batch.
 */
public final class KvStoreTxn {
    private static final byte[] EMPTY = new byte[0];
    private final KvStore store;
    private final WriteBatch batch = new WriteBatch();
    private final ReadView view;
    private long revision;
    private long compact;
    private boolean compactionScheduled;
    /** The revision the open entry writes at, and the next sub revision within it. */
    private long entryRevision;
    private long sub;
    /** Every key change of the batch, in revision order, for watchers. */
    private final List<KvChange> changes = new ArrayList<>();

    /** Keys made live minus keys deleted so far. */
    private long keyDelta;

    KvStoreTxn(KvStore store, StorageEngine engine, long revision, long compact) {
        this.store = store;
        this.view = batch.over(engine);
        this.revision = revision;
        this.compact = compact;
    }

    /** The store's revision including the entries ended so far. */
    public long revision() {
        return revision;
    }

    public void beginEntry() {
        entryRevision = revision + 1;
        sub = 0;
    }

    /** Ends the open entry; returns the revision its response reports (the new one if it wrote). */
    public long endEntry() {
        if (sub > 0) {
            revision = entryRevision;
        }
        return revision;
    }

    /** True when the open entry has written something. */
    public boolean entryChanged() {
        return sub > 0;
    }

    /** Range inside a write transaction: sees this entry's own earlier writes. */
    public RangeResponse.Builder range(RangeRequest r) {
        long current = sub > 0 ? entryRevision : revision;
        return KvStoreRange.range(view, r, current, compact);
    }

    /**
     * Checks a put's preconditions as etcd does before applying: ignore_value / ignore_lease need the
     * key, and a lease must exist.
     */
    public void checkPut(PutRequest r) {
        if ((r.getIgnoreValue() || r.getIgnoreLease()) && latestLive(r.getKey().toByteArray()) == null) {
            throw EtcdError.KEY_NOT_FOUND.exception();
        }
        if (r.getLease() != 0 && view.get(KeyLayout.leaseKey(r.getLease())) == null) {
            throw EtcdError.LEASE_NOT_FOUND.exception();
        }
    }

    /** Checks that a range's revision is readable now. */
    public void checkRange(RangeRequest r) {
        long current = sub > 0 ? entryRevision : revision;
        if (r.getRevision() > current) {
            throw EtcdError.FUTURE_REV.exception();
        }
        if (r.getRevision() > 0 && r.getRevision() < compact) {
            throw EtcdError.COMPACTED.exception();
        }
    }

    public PutResponse.Builder put(PutRequest r) {
        requireWritable();
        checkPut(r);
        byte[] key = r.getKey().toByteArray();
        byte[][] prev = latestLive(key);
        VersionRecord prevRecord = prev == null ? null : VersionRecord.decode(prev[1]);
        byte[] value = r.getIgnoreValue() ? prevRecord.value() : r.getValue().toByteArray();
        long lease = r.getIgnoreLease() ? prevRecord.lease() : r.getLease();
        long create = prevRecord == null ? entryRevision : prevRecord.createRevision();
        long version = prevRecord == null ? 1 : prevRecord.version() + 1;
        byte[] prefix = KeyLayout.keyPrefix(key);
        byte[] record = VersionRecord.live(create, version, lease, value);
        batch.put(KeyLayout.versionKey(prefix, entryRevision), record);
        batch.put(KeyLayout.changeKey(entryRevision, sub++), key);
        long prevLease = prevRecord == null ? 0 : prevRecord.lease();
        if (prevLease != lease) {
            if (prevLease != 0) {
                batch.delete(KeyLayout.attachedKey(prevLease, key));
            }
            if (lease != 0) {
                batch.put(KeyLayout.attachedKey(lease, key), EMPTY);
            }
        }
        if (prev == null) {
            keyDelta++;
        }
        changes.add(new KvChange(key, entryRevision, record, prev == null ? null : prev[1],
                prev == null ? 0 : KeyLayout.versionMain(prev[0])));
        PutResponse.Builder out = PutResponse.newBuilder();
        if (r.getPrevKv() && prevRecord != null) {
            out.setPrevKv(prevRecord.toKeyValue(key, KeyLayout.versionMain(prev[0]), false));
        }
        return out;
    }

    public DeleteRangeResponse.Builder deleteRange(DeleteRangeRequest r) {
        requireWritable();
        byte[] key = r.getKey().toByteArray();
        byte[] end = KvStoreRange.rangeEnd(key, r.getRangeEnd());
        DeleteRangeResponse.Builder out = DeleteRangeResponse.newBuilder();
        if (end == KvStoreRange.NO_KEYS) {
            return out;
        }
        List<byte[][]> doomed = new ArrayList<>();
        // At the open entry's revision: an earlier delete in the same txn has already removed its keys.
        VersionScan.live(view, key, end, entryRevision, false, (k, v) -> {
            doomed.add(new byte[][] {k, v});
            return true;
        });
        for (byte[][] d : doomed) {
            byte[] userKey = KeyLayout.userKey(d[0]);
            tombstone(userKey, d);
            if (r.getPrevKv()) {
                out.addPrevKvs(VersionRecord.decode(d[1]).toKeyValue(userKey, KeyLayout.versionMain(d[0]), false));
            }
        }
        out.setDeleted(doomed.size());
        return out;
    }

    /** Deletes the live version {@code live} (storage key, record) of {@code userKey} at the open entry's revision. */
    private void tombstone(byte[] userKey, byte[][] live) {
        byte[] prefix = KeyLayout.keyPrefix(userKey);
        batch.put(KeyLayout.versionKey(prefix, entryRevision), VersionRecord.TOMBSTONE_BYTES);
        batch.put(KeyLayout.changeKey(entryRevision, sub++), userKey);
        long lease = VersionRecord.decode(live[1]).lease();
        if (lease != 0) {
            batch.delete(KeyLayout.attachedKey(lease, userKey));
        }
        keyDelta--;
        changes.add(new KvChange(userKey, entryRevision, VersionRecord.TOMBSTONE_BYTES, live[1],
                KeyLayout.versionMain(live[0])));
    }

    /** Records lease {@code id} with its granted TTL; fails with etcd's error when it exists. */
    public void grantLease(long id, long ttl) {
        requireWritable();
        byte[] k = KeyLayout.leaseKey(id);
        if (view.get(k) != null) {
            throw EtcdError.LEASE_EXIST.exception();
        }
        batch.put(k, KeyLayout.encodeLong(ttl));
    }

    /**
     * Revokes lease {@code id}: deletes every key attached to it at the open entry's revision (none: the
     * revision stays), then the lease. Fails with etcd's error when there is no such lease.
     */
    public void revokeLease(long id) {
        requireWritable();
        byte[] k = KeyLayout.leaseKey(id);
        if (view.get(k) == null) {
            throw EtcdError.LEASE_NOT_FOUND.exception();
        }
        for (byte[] key : KvStoreLeases.attachedKeys(view, id)) {
            byte[][] live = latestLive(key);
            if (live == null || VersionRecord.decode(live[1]).lease() != id) {
                throw new IllegalStateException("lease " + Long.toHexString(id) + " lists key "
                        + KeyLayout.describe(key) + " whose live version is not attached to it");
            }
            tombstone(key, live);
        }
        batch.delete(k);
    }

    /** True when lease {@code id} exists as seen inside this transaction. */
    public boolean leaseExists(long id) {
        return view.get(KeyLayout.leaseKey(id)) != null;
    }

    /** Writes cluster member {@code id}'s record (the cluster layer's encoding), replacing any earlier one. */
    public void putMember(long id, byte[] record) {
        requireWritable();
        batch.put(KeyLayout.memberKey(id), record);
    }

    /** Deletes cluster member {@code id}'s record and remembers {@code id} as removed for good. */
    public void removeMember(long id) {
        requireWritable();
        batch.delete(KeyLayout.memberKey(id));
        batch.put(KeyLayout.removedMemberKey(id), new byte[0]);
    }

    /** True when member {@code id} was removed, as seen inside this transaction. */
    public boolean memberRemoved(long id) {
        return view.get(KeyLayout.removedMemberKey(id)) != null;
    }

    /** Visits every member record as seen inside this transaction, in unsigned id order. */
    public void members(KvStore.MemberVisitor visitor) {
        KvStoreLeases.members(view, visitor);
    }

    /** Replaces the auth record (the auth layer's encoding). */
    public void putAuthData(byte[] record) {
        requireWritable();
        batch.put(KvStore.META_AUTH, record);
    }

    /** Replaces the alarms record (the maintenance layer's encoding). */
    public void putAlarms(byte[] record) {
        requireWritable();
        batch.put(KvStore.META_ALARMS, record);
    }

    /** The alarms record as seen inside this transaction; null before any alarm. */
    public byte[] alarms() {
        return view.get(KvStore.META_ALARMS);
    }

    /** The auth record as seen inside this transaction; null before any auth change. */
    public byte[] authData() {
        return view.get(KvStore.META_AUTH);
    }

    /** Records the cluster id; it is written once, by the cluster's first entry. */
    public void setClusterId(long id) {
        requireWritable();
        batch.put(KvStore.META_CLUSTER_ID, KeyLayout.encodeLong(id));
    }

    /** The cluster id as seen inside this transaction; 0 when not yet recorded. */
    public long clusterId() {
        byte[] v = view.get(KvStore.META_CLUSTER_ID);
        return v == null ? 0 : KeyLayout.decodeLong(v);
    }

    /** The key changes written so far, in revision order (valid until the next write). */
    public List<KvChange> changes() {
        return changes;
    }

    /** The newest live version of {@code key} as seen inside this transaction, or null. */
    public KeyValue get(byte[] key) {
        byte[][] e = latestLive(key);
        return e == null ? null : VersionRecord.decode(e[1]).toKeyValue(key, KeyLayout.versionMain(e[0]), false);
    }

    /**
     * Marks every revision up to {@code rev} compacted; the versions go in the background after commit.
     */
    public void compact(long rev) {
        if (rev <= compact) {
            throw EtcdError.COMPACTED.exception();
        }
        if (rev > revision) {
            throw EtcdError.FUTURE_REV.exception();
        }
        compact = rev;
        compactionScheduled = true;
    }

    /** Writes the batch with the applied index, then makes its revisions visible to readers. */
    public void commit(long appliedIndex) {
        if (store == null) {
            throw new IllegalStateException("a read-only transaction cannot commit");
        }
        store.commit(batch, revision, compact, appliedIndex, compactionScheduled, keyDelta);
    }

    /** Gives up the transaction without writing (the apply thread is failing). */
    public void abandon() {
        if (store != null) {
            store.abandon();
        }
    }

    private void requireWritable() {
        if (store == null) {
            throw new IllegalStateException("write in a read-only transaction at revision " + revision);
        }
    }

    private byte[][] latestLive(byte[] key) {
        byte[][] e = VersionScan.latest(view, key, Long.MAX_VALUE >>> 1);
        return e == null || VersionRecord.isTombstone(e[1]) ? null : e;
    }
}
