package io.tern.storage.rocksdb;

import io.tern.spi.storage.EntryVisitor;
import io.tern.spi.storage.Snapshot;
import io.tern.spi.storage.StorageException;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.rocksdb.RocksDB;

/**
 * A RocksDB snapshot. Reads hold the engine's guard and then this snapshot's own (read side); {@link #close}
 * takes the engine's guard and then this one's write side, so it waits for reads in flight before releasing
 * the native snapshot. Always in that order, so the two locks cannot deadlock.
 */
final class RocksDbSnapshot implements Snapshot {
    private final RocksDbStorageEngine engine;
    private final org.rocksdb.Snapshot handle;
    private final ReentrantReadWriteLock guard = new ReentrantReadWriteLock();
    private volatile boolean closed;

    RocksDbSnapshot(RocksDbStorageEngine engine, org.rocksdb.Snapshot handle) {
        this.engine = engine;
        this.handle = handle;
    }

    @Override
    public byte[] get(byte[] key) {
        Lock engineLock = engine.enter("read a snapshot");
        try {
            Lock lock = enter("get");
            try {
                return RocksReads.get(engine.db(), handle, key, e -> engine.failure("snapshot get", e));
            } finally {
                lock.unlock();
            }
        } finally {
            engineLock.unlock();
        }
    }

    @Override
    public void scan(byte[] from, byte[] to, boolean reverse, EntryVisitor visitor) {
        Lock engineLock = engine.enter("read a snapshot");
        try {
            Lock lock = enter("scan");
            try {
                RocksReads.scan(engine.db(), handle, from, to, reverse, visitor,
                        e -> engine.failure("snapshot scan", e));
            } finally {
                lock.unlock();
            }
        } finally {
            engineLock.unlock();
        }
    }

    /** Idempotent. After the engine closed there is nothing left to release. */
    @Override
    public void close() {
        if (guard.getReadHoldCount() > 0) {
            throw new StorageException("a snapshot of " + engine.describe() + " was closed inside one of its reads");
        }
        Lock engineLock = engine.tryEnter();
        if (engineLock == null) {
            closed = true;
            return;
        }
        try {
            Lock lock = guard.writeLock();
            lock.lock();
            try {
                if (!closed) {
                    closed = true;
                    engine.forget(this);
                    engine.db().releaseSnapshot(handle);
                    handle.close();
                }
            } finally {
                lock.unlock();
            }
        } finally {
            engineLock.unlock();
        }
    }

    /** Called by the engine as it closes, with no reads in flight. */
    void releaseOnEngineClose(RocksDB db) {
        if (!closed) {
            closed = true;
            db.releaseSnapshot(handle);
            handle.close();
        }
    }

    private Lock enter(String operation) {
        Lock lock = guard.readLock();
        lock.lock();
        if (closed) {
            lock.unlock();
            throw new StorageException("snapshot of " + engine.describe() + " is closed; cannot " + operation);
        }
        return lock;
    }
}
