package io.tern.api.mvcc;

import io.tern.api.error.EtcdError;
import io.tern.spi.storage.Snapshot;
import io.tern.spi.storage.StorageEngine;

import java.util.zip.CRC32C;

/**
 * Checksums of a store, for comparing members (etcd's Hash and HashKV).
 *
 * <p>{@link #hashKv} covers the key versions a reader could still reach at a revision, as compaction
 * defines them (see {@link KvStoreCompaction}): every version above the compacted revision, and for each
 * key its newest version at or below it, unless that is a tombstone older than it. Physical compaction
 * runs in the background at its own pace on each member; the hash does not depend on how far it got, so
 * members that applied the same log agree at every revision.
 */
final class KvStoreHash {
    private KvStoreHash() {
    }

    static KvStore.KvHash hashKv(StorageEngine engine, long revision) {
        try (Snapshot view = engine.snapshot()) {
            long current = Math.max(1, meta(view, KvStore.META_REVISION));
            long compacted = meta(view, KvStore.META_COMPACT);
            // etcd: an explicit revision at or below the compacted one is compacted (0 means the current).
            if (revision > 0 && revision <= compacted) {
                throw EtcdError.COMPACTED.exception();
            }
            long at = revision > 0 ? revision : current;
            if (at > current) {
                throw EtcdError.FUTURE_REV.exception();
            }
            CRC32C crc = new CRC32C();
            byte[][] keyOfOlder = {null};
            view.scan(new byte[] {KeyLayout.VERSIONS}, new byte[] {KeyLayout.VERSIONS + 1}, false, (key, value) -> {
                long main = KeyLayout.versionMain(key);
                if (main > at) {
                    return true;
                }
                if (main <= compacted) {
                    // Only the newest version at or below the compacted revision counts (versions come
                    // newest first); a tombstone counts only at the compacted revision itself.
                    if (keyOfOlder[0] != null && KeyLayout.sameKey(keyOfOlder[0], key)) {
                        return true;
                    }
                    keyOfOlder[0] = key;
                    if (main < compacted && VersionRecord.isTombstone(value)) {
                        return true;
                    }
                }
                crc.update(key);
                crc.update(value);
                return true;
            });
            return new KvStore.KvHash((int) crc.getValue(), compacted, at, current);
        }
    }

    /** A checksum of every entry the engine holds, metadata included: equal only for identical stores. */
    static int hashAll(StorageEngine engine) {
        try (Snapshot view = engine.snapshot()) {
            CRC32C crc = new CRC32C();
            view.scan(new byte[0], null, false, (key, value) -> {
                crc.update(key);
                crc.update(value);
                return true;
            });
            return (int) crc.getValue();
        }
    }

    private static long meta(Snapshot view, byte[] key) {
        byte[] v = view.get(key);
        return v == null ? 0 : KeyLayout.decodeLong(v);
    }

}
