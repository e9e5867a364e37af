package io.tern.api.watch;

import io.tern.api.mvcc.KvChange;

import java.util.Arrays;

/**
 * One watch: a key range, its options, and how far it has been served. {@link #nextRev} and the
 * synced flag are guarded by the hub's lock.
 */
final class Watcher {
    final long id;
    final WatchStream stream;
    /** Inclusive start. */
    final byte[] key;
    /** Exclusive end; null for a single key, empty for "to the end of the key space". */
    final byte[] end;
    final boolean prevKv;
    final boolean noPut;
    final boolean noDelete;
    final boolean fragment;
    final boolean progressNotify;
    /** The first revision not yet handed to the stream. */
    long nextRev;
    boolean synced;
    boolean removed;
    /** An event response went out since the last progress tick. */
    volatile boolean sentSinceTick;

    Watcher(long id, WatchStream stream, byte[] key, byte[] end, boolean prevKv, boolean noPut, boolean noDelete,
            boolean fragment, boolean progressNotify, long nextRev) {
        this.id = id;
        this.stream = stream;
        this.key = key;
        this.end = end;
        this.prevKv = prevKv;
        this.noPut = noPut;
        this.noDelete = noDelete;
        this.fragment = fragment;
        this.progressNotify = progressNotify;
        this.nextRev = nextRev;
    }

    boolean isSingleKey() {
        return end == null;
    }

    /** True when {@code c} is in range and passes the filters. */
    boolean wants(KvChange c) {
        if (c.isDelete() ? noDelete : noPut) {
            return false;
        }
        if (end == null) {
            return Arrays.equals(key, c.key());
        }
        return Arrays.compareUnsigned(c.key(), key) >= 0
                && (end.length == 0 || Arrays.compareUnsigned(c.key(), end) < 0);
    }
}
