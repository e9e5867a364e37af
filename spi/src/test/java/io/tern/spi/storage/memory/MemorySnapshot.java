package io.tern.spi.storage.memory;

import io.tern.spi.storage.EntryVisitor;
import io.tern.spi.storage.Snapshot;
import io.tern.spi.storage.StorageException;
import java.util.NavigableMap;

/** The engine's map as it was when the snapshot was taken; the map is immutable, so nothing is pinned but heap. */
final class MemorySnapshot implements Snapshot {
    private final MemoryStorageEngine engine;
    private volatile NavigableMap<byte[], byte[]> entries;

    MemorySnapshot(MemoryStorageEngine engine, NavigableMap<byte[], byte[]> entries) {
        this.engine = engine;
        this.entries = entries;
    }

    @Override
    public byte[] get(byte[] key) {
        return MemoryStorageEngine.get(open("get"), key);
    }

    @Override
    public void scan(byte[] from, byte[] to, boolean reverse, EntryVisitor visitor) {
        MemoryStorageEngine.scan(open("scan"), from, to, reverse, visitor);
    }

    @Override
    public void close() {
        entries = null;
        engine.forget(this);
    }

    private NavigableMap<byte[], byte[]> open(String operation) {
        NavigableMap<byte[], byte[]> e = entries;
        if (e == null || engine.isClosed()) {
            throw new StorageException("snapshot of memory engine on " + engine.directory() + " is closed; cannot "
                    + operation);
        }
        return e;
    }
}
