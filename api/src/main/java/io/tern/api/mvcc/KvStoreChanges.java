package io.tern.api.mvcc;

import io.tern.api.error.EtcdError;

import java.util.function.Predicate;

/** Replays the change log ({@code 'r'} entries) as {@link KvChange}s, for watchers catching up from history. */
final class KvStoreChanges {
    private KvStoreChanges() {
    }

    /**
     * Visits the changes of revisions {@code from..to} in order until {@code visitor} returns false. A
     * version missing under a change-log entry means compaction removed it while we read: that is etcd's
     * compacted error; anywhere else it is a corrupt store.
     */
    static void read(KvStore store, long from, long to, Predicate<KvChange> visitor) {
        if (from > to) {
            return;
        }
        var engine = store.engine();
        engine.scan(KeyLayout.changeKey(from, 0), KeyLayout.changeKey(to + 1, 0), false, (k, key) -> {
            long main = KeyLayout.changeRevision(k).main();
            byte[] record = engine.get(KeyLayout.versionKey(KeyLayout.keyPrefix(key), main));
            if (record == null) {
                if (main <= store.compactRevision()) {
                    throw EtcdError.COMPACTED.exception();
                }
                throw new IllegalStateException("change log names key " + KeyLayout.describe(key) + " at revision "
                        + main + " but no such version is stored");
            }
            byte[][] prev = VersionScan.latest(engine, key, main - 1);
            boolean hasPrev = prev != null && !VersionRecord.isTombstone(prev[1]);
            return visitor.test(new KvChange(key, main, record, hasPrev ? prev[1] : null,
                    hasPrev ? KeyLayout.versionMain(prev[0]) : 0));
        });
    }
}
