package io.tern.api.mvcc;

import com.google.protobuf.ByteString;
import io.tern.api.proto.mvccpb.Event;
import io.tern.api.proto.mvccpb.KeyValue;

/**
 * One change to one key at one revision, as watchers see it: a put or a delete, with the version it
 * replaced. Kept in stored form and turned into an {@link Event} only when some watcher wants it.
 *
 * @param key          the user key
 * @param revision     the revision of the change (the new version's mod revision)
 * @param record       the stored version written (a tombstone for a delete)
 * @param prevRecord   the stored version replaced, or null when the key did not exist before
 * @param prevRevision the mod revision of {@code prevRecord}
 */
public record KvChange(byte[] key, long revision, byte[] record, byte[] prevRecord, long prevRevision) {

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
        if (withPrev && prevRecord != null) {
            b.setPrevKv(VersionRecord.decode(prevRecord).toKeyValue(key, prevRevision, false));
        }
        return b.build();
    }
}
