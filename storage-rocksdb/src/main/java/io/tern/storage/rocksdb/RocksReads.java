package io.tern.storage.rocksdb;

import io.tern.spi.storage.Bytes;
import io.tern.spi.storage.EntryVisitor;
import io.tern.spi.storage.StorageException;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.Function;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.rocksdb.Snapshot;

/**
 * Point reads and range scans of the default column family, of the latest state or of a snapshot.
 * Every native object (read options, bound slices, iterator) is closed before the method returns.
 *
 * <pre>
 *   ascending  [from, to):  upper bound to,   seek(from),        next() until the iterator ends
 *   descending [from, to):  lower bound from, seekForPrev(to),   skip a key equal to to, prev() until it ends
 *                           (to == null: seekToLast())
 * </pre>
 * The caller keeps {@code db} (and {@code snapshot}) open until this returns.
 */
final class RocksReads {
    private RocksReads() {
    }

    static byte[] get(RocksDB db, Snapshot snapshot, byte[] key, Function<Exception, StorageException> failure) {
        Objects.requireNonNull(key, "key");
        try (ReadOptions options = new ReadOptions()) {
            if (snapshot != null) {
                options.setSnapshot(snapshot);
            }
            return db.get(options, key);
        } catch (RocksDBException e) {
            throw failure.apply(e);
        }
    }

    /** Visits {@code [from, to)}; exceptions of the visitor pass unchanged, RocksDB's are mapped. */
    static void scan(RocksDB db, Snapshot snapshot, byte[] from, byte[] to, boolean reverse, EntryVisitor visitor,
                     Function<Exception, StorageException> failure) {
        Objects.requireNonNull(from, "from");
        if (to != null && Bytes.compare(from, to) >= 0) {
            return;
        }
        try (ReadOptions options = new ReadOptions();
             Slice lower = reverse ? new Slice(from) : null;
             Slice upper = !reverse && to != null ? new Slice(to) : null) {
            if (snapshot != null) {
                options.setSnapshot(snapshot);
            }
            if (lower != null) {
                options.setIterateLowerBound(lower);
            }
            if (upper != null) {
                options.setIterateUpperBound(upper);
            }
            try (RocksIterator it = db.newIterator(options)) {
                position(it, from, to, reverse);
                while (it.isValid()) {
                    if (!visitor.visit(it.key(), it.value())) {
                        return;
                    }
                    if (reverse) {
                        it.prev();
                    } else {
                        it.next();
                    }
                }
                it.status(); // an iterator that stopped on an error is not valid either
            }
        } catch (RocksDBException e) {
            throw failure.apply(e);
        }
    }

    private static void position(RocksIterator it, byte[] from, byte[] to, boolean reverse) {
        if (!reverse) {
            it.seek(from);
        } else if (to == null) {
            it.seekToLast();
        } else {
            it.seekForPrev(to);
            if (it.isValid() && Arrays.equals(it.key(), to)) {
                it.prev();
            }
        }
    }
}
