package io.tern.spi.storage;

import java.util.Iterator;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * Puts and deletes to apply together with {@link StorageEngine#write}. A later mutation of a key replaces
 * an earlier one in the same batch. {@link #over} reads the batch on top of a store before it is written,
 * so a writer sees its own pending mutations.
 *
 * <p>Not thread-safe. Arrays are kept by reference: callers must not change them after handing them in.
 */
public final class WriteBatch {
    private static final byte[] DELETED = new byte[0];

    private final TreeMap<byte[], byte[]> writes = new TreeMap<>(Bytes.ORDER);

    /** Receives a batch's mutations, in ascending key order. */
    public interface Visitor {
        void put(byte[] key, byte[] value);

        void delete(byte[] key);
    }

    public void put(byte[] key, byte[] value) {
        if (key == null || value == null) {
            throw new IllegalArgumentException("null key or value in a write batch");
        }
        writes.put(key, value);
    }

    public void delete(byte[] key) {
        if (key == null) {
            throw new IllegalArgumentException("null key in a write batch");
        }
        writes.put(key, DELETED);
    }

    public int size() {
        return writes.size();
    }

    public boolean isEmpty() {
        return writes.isEmpty();
    }

    public void clear() {
        writes.clear();
    }

    public void forEach(Visitor visitor) {
        for (Map.Entry<byte[], byte[]> e : writes.entrySet()) {
            if (e.getValue() == DELETED) {
                visitor.delete(e.getKey());
            } else {
                visitor.put(e.getKey(), e.getValue());
            }
        }
    }

    /**
     * A view of {@code base} with this batch's mutations applied; it follows later changes to the batch, but
     * the batch must not change while a scan of the view runs. Arrays it hands out are copies, so callers may
     * keep or change them without touching the batch.
     */
    public ReadView over(ReadView base) {
        return new ReadView() {
            @Override
            public byte[] get(byte[] key) {
                byte[] v = writes.get(key);
                if (v == null) {
                    return base.get(key);
                }
                return v == DELETED ? null : v.clone();
            }

            @Override
            public void scan(byte[] from, byte[] to, boolean reverse, EntryVisitor visitor) {
                mergedScan(base, from, to, reverse, visitor);
            }
        };
    }

    private void mergedScan(ReadView base, byte[] from, byte[] to, boolean reverse, EntryVisitor visitor) {
        if (to != null && Bytes.compare(from, to) >= 0) {
            // An empty range; TreeMap.subMap would reject from > to.
            return;
        }
        NavigableMap<byte[], byte[]> range = to == null ? writes.tailMap(from, true) : writes.subMap(from, true, to, false);
        if (range.isEmpty()) {
            base.scan(from, to, reverse, visitor);
            return;
        }
        Iterator<Map.Entry<byte[], byte[]>> pending =
                (reverse ? range.descendingMap() : range).entrySet().iterator();
        MergeState state = new MergeState(pending.next());
        boolean[] stopped = {false};
        base.scan(from, to, reverse, (key, value) -> {
            // Emit pending mutations that sort before this base entry, in scan direction.
            while (state.head != null) {
                int c = Bytes.compare(state.head.getKey(), key);
                if (reverse) {
                    c = -c;
                }
                if (c > 0) {
                    break;
                }
                Map.Entry<byte[], byte[]> head = state.head;
                state.head = pending.hasNext() ? pending.next() : null;
                if (c == 0) {
                    // The batch's mutation shadows the stored entry.
                    if (!emit(head, visitor)) {
                        stopped[0] = true;
                        return false;
                    }
                    return true;
                }
                if (!emit(head, visitor)) {
                    stopped[0] = true;
                    return false;
                }
            }
            if (!visitor.visit(key, value)) {
                stopped[0] = true;
                return false;
            }
            return true;
        });
        if (stopped[0]) {
            return;
        }
        while (state.head != null) {
            Map.Entry<byte[], byte[]> head = state.head;
            state.head = pending.hasNext() ? pending.next() : null;
            if (!emit(head, visitor)) {
                return;
            }
        }
    }

    /** Hands a pending mutation to the visitor (copies, as it owns them); false when the visitor stops. */
    private static boolean emit(Map.Entry<byte[], byte[]> mutation, EntryVisitor visitor) {
        return mutation.getValue() == DELETED || visitor.visit(mutation.getKey().clone(), mutation.getValue().clone());
    }

    private static final class MergeState {
        Map.Entry<byte[], byte[]> head;

        MergeState(Map.Entry<byte[], byte[]> head) {
            this.head = head;
        }
    }
}
