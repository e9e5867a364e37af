package io.tern.api.mvcc;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * The newest version of keys written since the store opened, so that a put learns the create revision,
 * version and lease it builds on without reading storage (etcd keeps the same facts in its in-memory
 * key index). Only the apply thread touches it, through the write transaction.
 *
 * <p>It is a cache, not a full index: a key it does not hold is looked up in storage. It holds live keys
 * only (a delete drops the key, so deleted keys cost nothing) and stays under a byte budget by dropping
 * entries when full. Storage changes under it only by the write transactions that update it: compaction
 * never removes a key's newest live version, and a snapshot install opens a new store.
 */
final class KeyIndex {
    /** Bytes an entry costs beyond its key: map node, key holder and the entry itself, roughly. */
    static final int ENTRY_OVERHEAD = 120;

    /** The newest version of one live key; its value stays in storage, at {@code modRevision}. */
    record Latest(long modRevision, long createRevision, long version, long lease) {
    }

    /** A user key as a map key: compared by content. */
    static final class Key {
        private final byte[] bytes;
        private final int hash;

        Key(byte[] bytes) {
            this.bytes = bytes;
            this.hash = Arrays.hashCode(bytes);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && k.hash == hash && Arrays.equals(k.bytes, bytes);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    private final long budgetBytes;
    private final HashMap<Key, Latest> entries = new HashMap<>();
    private long bytes;

    /** An index of at most about {@code budgetBytes} of heap; 0 keeps nothing. */
    KeyIndex(long budgetBytes) {
        if (budgetBytes < 0) {
            throw new IllegalArgumentException("key index budget " + budgetBytes + " < 0");
        }
        this.budgetBytes = budgetBytes;
    }

    /** The newest version of a live key, or null when the index does not know the key. */
    Latest get(Key key) {
        return entries.get(key);
    }

    /**
     * Takes the outcome of a committed write transaction: each key's newest version, or null for a key
     * it deleted.
     */
    void committed(Map<Key, Latest> changed) {
        for (Map.Entry<Key, Latest> c : changed.entrySet()) {
            Key k = c.getKey();
            Latest was = c.getValue() == null ? entries.remove(k) : entries.put(k, c.getValue());
            if (was == null && c.getValue() != null) {
                bytes += cost(k);
            } else if (was != null && c.getValue() == null) {
                bytes -= cost(k);
            }
        }
        if (bytes > budgetBytes) {
            shrink();
        }
    }

    /** Entries held now. */
    int size() {
        return entries.size();
    }

    /** Drops entries (in the map's own order, which no workload steers) until a quarter of the budget is free. */
    private void shrink() {
        long target = budgetBytes - budgetBytes / 4;
        Iterator<Key> it = entries.keySet().iterator();
        while (bytes > target && it.hasNext()) {
            bytes -= cost(it.next());
            it.remove();
        }
    }

    private static long cost(Key k) {
        return ENTRY_OVERHEAD + k.bytes.length;
    }
}
