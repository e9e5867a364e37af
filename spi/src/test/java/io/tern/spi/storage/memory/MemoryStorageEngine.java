package io.tern.spi.storage.memory;

import io.tern.spi.storage.Bytes;
import io.tern.spi.storage.EntryVisitor;
import io.tern.spi.storage.Snapshot;
import io.tern.spi.storage.StorageEngine;
import io.tern.spi.storage.StorageException;
import io.tern.spi.storage.StorageStats;
import io.tern.spi.storage.WriteBatch;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;

/**
 * Entries in an immutable sorted map that each batch replaces.
 *
 * <p>{@link #write} copies the current map, applies the batch to the copy and publishes it with one volatile
 * write: readers see whole batches only, and a snapshot is simply the map of its moment. A write costs
 * O(entries), which suits tests and nothing else. The directory is only read at open (for a checkpoint file)
 * and never written, so nothing survives {@link #close}.
 */
final class MemoryStorageEngine implements StorageEngine {
    private final Path directory;
    private final ReentrantLock writeLock = new ReentrantLock();
    private final Set<MemorySnapshot> snapshots = ConcurrentHashMap.newKeySet();
    /** Never changed once published. */
    private volatile NavigableMap<byte[], byte[]> entries;
    private volatile boolean closed;

    private MemoryStorageEngine(Path directory, NavigableMap<byte[], byte[]> entries) {
        this.directory = directory;
        this.entries = Collections.unmodifiableNavigableMap(entries);
    }

    /** Opens on {@code directory}, creating it, and loads the checkpoint file it may hold. */
    static MemoryStorageEngine open(Path directory) {
        try {
            Files.createDirectories(directory);
            List<String> foreign;
            try (Stream<Path> files = Files.list(directory)) {
                foreign = files.map(p -> p.getFileName().toString())
                        .filter(n -> !n.equals(CheckpointFile.NAME) && !n.startsWith(".") && !n.equals("lost+found"))
                        .sorted()
                        .toList();
            }
            if (!foreign.isEmpty()) {
                throw new StorageException("directory " + directory + " holds files that are not the memory engine's: "
                        + String.join(", ", foreign));
            }
        } catch (IOException e) {
            throw new StorageException("cannot open memory engine directory " + directory + ": " + e, e);
        }
        Path file = directory.resolve(CheckpointFile.NAME);
        NavigableMap<byte[], byte[]> loaded =
                Files.exists(file) ? CheckpointFile.read(file) : new TreeMap<>(Bytes.ORDER);
        return new MemoryStorageEngine(directory, loaded);
    }

    @Override
    public void write(WriteBatch batch) {
        writeLock.lock();
        try {
            ensureOpen("write");
            if (batch.isEmpty()) {
                return;
            }
            TreeMap<byte[], byte[]> next = new TreeMap<>(entries);
            batch.forEach(new WriteBatch.Visitor() {
                @Override
                public void put(byte[] key, byte[] value) {
                    next.put(key.clone(), value.clone());
                }

                @Override
                public void delete(byte[] key) {
                    next.remove(key);
                }
            });
            entries = Collections.unmodifiableNavigableMap(next);
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public byte[] get(byte[] key) {
        ensureOpen("get");
        return get(entries, key);
    }

    @Override
    public void scan(byte[] from, byte[] to, boolean reverse, EntryVisitor visitor) {
        ensureOpen("scan");
        scan(entries, from, to, reverse, visitor);
    }

    @Override
    public Snapshot snapshot() {
        ensureOpen("snapshot");
        MemorySnapshot snapshot = new MemorySnapshot(this, entries);
        snapshots.add(snapshot);
        if (closed) {
            // close() ran between the check and the add and may have missed this snapshot.
            snapshot.close();
            ensureOpen("snapshot");
        }
        return snapshot;
    }

    @Override
    public void sync() {
        ensureOpen("sync");
    }

    @Override
    public void checkpoint(Path target) {
        ensureOpen("checkpoint");
        NavigableMap<byte[], byte[]> frozen = entries;
        try {
            Path parent = target.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            Files.createDirectory(target);
            CheckpointFile.write(frozen, target.resolve(CheckpointFile.NAME));
            forceDirectory(target);
            forceDirectory(parent);
        } catch (FileAlreadyExistsException e) {
            throw new StorageException("checkpoint target " + target + " already exists", e);
        } catch (IOException e) {
            throw new StorageException("checkpoint of " + directory + " to " + target + " failed: " + e, e);
        }
    }

    /** Heap memory has no file to shrink: removed entries are gone already. */
    @Override
    public void defragment() {
        ensureOpen("defragment");
    }

    @Override
    public StorageStats stats() {
        ensureOpen("stats");
        long bytes = 0;
        for (Map.Entry<byte[], byte[]> e : entries.entrySet()) {
            bytes += e.getKey().length + e.getValue().length;
        }
        return new StorageStats(bytes, bytes);
    }

    @Override
    public void close() {
        writeLock.lock();
        try {
            closed = true;
            entries = Collections.emptyNavigableMap();
        } finally {
            writeLock.unlock();
        }
        for (MemorySnapshot s : snapshots) {
            s.close();
        }
    }

    void forget(MemorySnapshot snapshot) {
        snapshots.remove(snapshot);
    }

    boolean isClosed() {
        return closed;
    }

    Path directory() {
        return directory;
    }

    private void ensureOpen(String operation) {
        if (closed) {
            throw new StorageException("memory engine on " + directory + " is closed; cannot " + operation);
        }
    }

    static byte[] get(NavigableMap<byte[], byte[]> map, byte[] key) {
        byte[] v = map.get(Objects.requireNonNull(key, "key"));
        return v == null ? null : v.clone();
    }

    static void scan(NavigableMap<byte[], byte[]> map, byte[] from, byte[] to, boolean reverse, EntryVisitor visitor) {
        Objects.requireNonNull(from, "from");
        if (to != null && Bytes.compare(from, to) >= 0) {
            return;
        }
        NavigableMap<byte[], byte[]> range = to == null ? map.tailMap(from, true) : map.subMap(from, true, to, false);
        for (Map.Entry<byte[], byte[]> e : (reverse ? range.descendingMap() : range).entrySet()) {
            if (!visitor.visit(e.getKey().clone(), e.getValue().clone())) {
                return;
            }
        }
    }

    private static void forceDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }
}
