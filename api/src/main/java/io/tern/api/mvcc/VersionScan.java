package io.tern.api.mvcc;

import io.tern.spi.storage.ReadView;

/**
 * Walks the live keys of a user-key range as of one revision, over any read view: for each key, the
 * newest version at or below the revision, skipped when it is a tombstone.
 */
final class VersionScan {

    /** Receives one live key; returning {@code false} stops the walk. */
    @FunctionalInterface
    interface LiveVisitor {
        boolean visit(byte[] storageKey, byte[] record);
    }

    private VersionScan() {
    }

    /**
     * Visits live keys in {@code [from, to)} ({@code to == null}: to the end) as of {@code rev}, in key
     * order or reverse key order.
     */
    static void live(ReadView view, byte[] from, byte[] to, long rev, boolean reverse, LiveVisitor visitor) {
        byte[] start = KeyLayout.scanStart(from);
        byte[] end = KeyLayout.scanEnd(to);
        if (!reverse) {
            // Newest version first within a key: the first entry at or below rev decides the key.
            byte[][] decided = {null};
            view.scan(start, end, false, (k, v) -> {
                if (decided[0] != null && KeyLayout.sameKey(decided[0], k)) {
                    return true;
                }
                if (KeyLayout.versionMain(k) > rev) {
                    return true;
                }
                decided[0] = k;
                return VersionRecord.isTombstone(v) || visitor.visit(k, v);
            });
            return;
        }
        // Reverse: a key's versions arrive oldest first; the last one at or below rev decides the key.
        byte[][] candidate = {null, null};
        boolean[] stopped = {false};
        view.scan(start, end, true, (k, v) -> {
            if (candidate[0] != null && !KeyLayout.sameKey(candidate[0], k)) {
                byte[] ck = candidate[0];
                byte[] cv = candidate[1];
                candidate[0] = null;
                if (ck != null && !VersionRecord.isTombstone(cv) && !visitor.visit(ck, cv)) {
                    stopped[0] = true;
                    return false;
                }
            }
            if (KeyLayout.versionMain(k) <= rev) {
                candidate[0] = k;
                candidate[1] = v;
            }
            return true;
        });
        if (!stopped[0] && candidate[0] != null && !VersionRecord.isTombstone(candidate[1])) {
            visitor.visit(candidate[0], candidate[1]);
        }
    }

    /** The newest version of one key at or below {@code rev}: its storage entry, or null when none. */
    static byte[][] latest(ReadView view, byte[] key, long rev) {
        byte[] prefix = KeyLayout.keyPrefix(key);
        byte[][] found = {null, null};
        view.scan(KeyLayout.versionKey(prefix, rev), KeyLayout.prefixEnd(prefix), false, (k, v) -> {
            found[0] = k;
            found[1] = v;
            return false;
        });
        return found[0] == null ? null : found;
    }
}
