package io.tern.storage.mvstore;

import io.tern.spi.storage.EntryVisitor;
import io.tern.spi.storage.Snapshot;
import io.tern.spi.storage.StorageException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.RootReference;

/**
 * A published root held together with a registration of its store version. The registration keeps MVStore
 * from reusing chunks that pages of this root live in, however many commits happen meanwhile; closing the
 * snapshot gives them back.
 */
final class MVStoreSnapshot implements Snapshot {
    private final MVStoreStorageEngine engine;
    private final RootReference<byte[], byte[]> root;
    private final MVStore.TxCounter version;
    private final AtomicBoolean closed = new AtomicBoolean();

    MVStoreSnapshot(MVStoreStorageEngine engine, RootReference<byte[], byte[]> root, MVStore.TxCounter version) {
        this.engine = engine;
        this.root = root;
        this.version = version;
    }

    @Override
    public byte[] get(byte[] key) {
        ensureOpen("get");
        return RootReads.get(engine.map(), root, key, e -> engine.readFailure("snapshot get", e));
    }

    @Override
    public void scan(byte[] from, byte[] to, boolean reverse, EntryVisitor visitor) {
        ensureOpen("scan");
        RootReads.scan(engine.map(), root, from, to, reverse, visitor, e -> engine.readFailure("snapshot scan", e));
    }

    /** Idempotent; after the engine closed it only marks the snapshot closed. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            engine.release(this, version);
        }
    }

    /**
     * Marks the snapshot closed for the engine, which is closing: returns the version registration for the
     * engine to give back, or null when the snapshot was closed already.
     */
    MVStore.TxCounter invalidate() {
        return closed.compareAndSet(false, true) ? version : null;
    }

    private void ensureOpen(String operation) {
        if (closed.get() || engine.isClosed()) {
            throw new StorageException("snapshot of " + engine.describe() + " is closed; cannot " + operation);
        }
    }
}
