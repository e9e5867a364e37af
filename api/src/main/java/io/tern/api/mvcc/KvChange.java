package io.tern.api.mvcc;

import com.google.protobuf.ByteString;
import io.tern.api.proto.mvccpb.Event;
import io.tern.api.proto.mvccpb.KeyValue;

/**
 * One change to one key at one revision, as watchers see it: a put or a delete, with the version it
 * replaced. Kept in stored form and turned into an {@link Event} only when some watcher wants it.
 *
 * <p>The replaced version is either given or read on first use, as etcd's watch does for prev_kv: the
 * newest version below the change's revision. Read once that revision has been compacted, it is absent,
 * as in etcd.
 */
public final class KvChange {
    private final byte[] key;
    private final long revision;
    private final byte[] record;
    /** Where the replaced version is read from on first use; null once read or when it was given. */
    private KvStore prevSource;
    private byte[] prevRecord;
    private long prevRevision;

    /**
     * @param key          the user key
     * @param revision     the revision of the change (the new version's mod revision)
     * @param record       the stored version written (a tombstone for a delete)
     * @param prevRecord   the stored version replaced, or null when the key did not exist before
     * @param prevRevision the mod revision of {@code prevRecord}
     */
    KvChange(byte[] key, long revision, byte[] record, byte[] prevRecord, long prevRevision) {
        this.key = key;
        this.revision = revision;
        this.record = record;
        this.prevRecord = prevRecord;
        this.prevRevision = prevRevision;
    }

    /** A change that replaced a live version not read yet: {@code store} gives it once committed. */
    static KvChange replacingUnread(byte[] key, long revision, byte[] record, KvStore store) {
        KvChange c = new KvChange(key, revision, record, null, 0);
        c.prevSource = store;
        return c;
    }

    public byte[] key() {
        return key;
    }

    public long revision() {
        return revision;
    }

    public byte[] record() {
        return record;
    }

    /** The stored version replaced (read on first use), or null when there was none or it is compacted. */
    public synchronized byte[] prevRecord() {
        if (prevSource != null) {
            byte[][] prev = prevSource.replacedVersion(key, revision);
            prevSource = null;
            if (prev != null) {
                prevRecord = prev[1];
                prevRevision = KeyLayout.versionMain(prev[0]);
            }
        }
        return prevRecord;
    }

    /** The mod revision of {@link #prevRecord()}; 0 when there is none. */
    public synchronized long prevRevision() {
        prevRecord();
        return prevRevision;
    }

    /** Bytes this change holds now, for buffer accounting (a replaced version not read yet counts nothing). */
    public synchronized long heldBytes() {
        return key.length + record.length + (prevRecord == null ? 0 : prevRecord.length);
    }

    public boolean isDelete() {
        return VersionRecord.isTombstone(record);
    }

    /** The etcd event; {@code withPrev} adds the replaced version as {@code prev_kv} when there is one. */
    public Event toEvent(boolean withPrev) {
        Event.Builder b = Event.newBuilder();
        if (isDelete()) {
            b.setType(Event.EventType.DELETE)
                    .setKv(KeyValue.newBuilder().setKey(ByteString.copyFrom(key)).setModRevision(revision));
        } else {
            b.setType(Event.EventType.PUT).setKv(VersionRecord.decode(record).toKeyValue(key, revision, false));
        }
        byte[] prev = withPrev ? prevRecord() : null;
        if (prev != null) {
            b.setPrevKv(VersionRecord.decode(prev).toKeyValue(key, prevRevision(), false));
        }
        return b.build();
    }
}
