package io.tern.storage.mvstore;

import io.tern.spi.storage.Bytes;
import io.tern.spi.storage.EntryVisitor;
import io.tern.spi.storage.StorageException;
import java.util.Objects;
import java.util.function.Function;
import org.h2.mvstore.Cursor;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.RootReference;

/**
 * Reads of one published root of the map: a tree of immutable pages that later writes never change.
 *
 * <p>The caller keeps the root's store version registered ({@code MVStore#registerVersionUsage}) while it
 * reads, because pages of an old root may have to be read back from chunks that MVStore would otherwise
 * reuse. Arrays handed out are copies: the ones in pages are shared by every reader.
 *
 * <p>H2's cursor takes inclusive bounds, and in reverse it runs from its first bound down to its second,
 * so the exclusive {@code to} of the SPI is enforced here:
 *
 * <pre>
 *   ascending  [from, to):  cursor(from, to)   and stop at the first key >= to
 *   descending [from, to):  cursor(to, from)   and skip a key equal to to (the cursor starts on it)
 * </pre>
 */
final class RootReads {
    private RootReads() {
    }

    static byte[] get(MVMap<byte[], byte[]> map, RootReference<byte[], byte[]> root, byte[] key,
                      Function<RuntimeException, StorageException> failure) {
        Objects.requireNonNull(key, "key");
        byte[] v;
        try {
            v = map.get(root.root, key);
        } catch (RuntimeException e) {
            throw failure.apply(e);
        }
        return v == null ? null : v.clone();
    }

    /** Visits {@code [from, to)}; exceptions of the visitor pass unchanged, the store's are mapped. */
    static void scan(MVMap<byte[], byte[]> map, RootReference<byte[], byte[]> root, byte[] from, byte[] to,
                     boolean reverse, EntryVisitor visitor, Function<RuntimeException, StorageException> failure) {
        Objects.requireNonNull(from, "from");
        if (to != null && Bytes.compare(from, to) >= 0) {
            return;
        }
        Cursor<byte[], byte[]> cursor;
        try {
            cursor = reverse ? map.cursor(root, to, from, true) : map.cursor(root, from, to, false);
        } catch (RuntimeException e) {
            throw failure.apply(e);
        }
        while (true) {
            byte[] key;
            byte[] value;
            try {
                if (!cursor.hasNext()) {
                    return;
                }
                key = cursor.next();
                value = cursor.getValue();
            } catch (RuntimeException e) {
                throw failure.apply(e);
            }
            if (to != null && Bytes.compare(key, to) >= 0) {
                if (reverse) {
                    continue;
                }
                return;
            }
            if (!visitor.visit(key.clone(), value.clone())) {
                return;
            }
        }
    }
}
