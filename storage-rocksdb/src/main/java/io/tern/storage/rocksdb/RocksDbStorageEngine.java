package io.tern.storage.rocksdb;

import io.tern.spi.storage.EntryVisitor;
import io.tern.spi.storage.Snapshot;
import io.tern.spi.storage.StorageContext;
import io.tern.spi.storage.StorageEngine;
import io.tern.spi.storage.FileSync;
import io.tern.spi.storage.StorageException;
import io.tern.spi.storage.StorageStats;
import io.tern.spi.storage.WriteBatch;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.stream.Stream;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.Checkpoint;
import org.rocksdb.CompactRangeOptions;
import org.rocksdb.LRUCache;
import org.rocksdb.LogFile;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WalFileType;
import org.rocksdb.WriteOptions;

/**
 * Tern's store as a RocksDB database with the default column family only.
 *
 * <ul>
 *   <li>{@link #write} turns a batch into one RocksDB write batch, written through the WAL without syncing it:
 *       RocksDB applies a write batch atomically, for readers and for recovery.</li>
 *   <li>{@link #sync} syncs the WAL, which makes every batch written before it durable.</li>
 *   <li>Snapshots are RocksDB snapshots; scans use iterators bounded by {@code ReadOptions}.</li>
 *   <li>{@link #checkpoint} is a RocksDB checkpoint (hard links to SST files where it can).</li>
 * </ul>
 *
 * <h2>Native handles</h2>
 * A RocksDB call on a closed handle crashes the JVM rather than throwing. So every call runs under the read
 * side of {@link #guard} after checking {@link #closed}, and {@link #close} takes the write side: it waits
 * for calls in flight, releases open snapshots, then closes the database and its options. Calling
 * {@code close} from inside a scan of the same engine fails instead of deadlocking.
 */
final class RocksDbStorageEngine implements StorageEngine {
    private static final System.Logger LOG = System.getLogger(RocksDbStorageEngine.class.getName());
    /** The file every RocksDB database has; a non-empty directory without it is not a database. */
    private static final String CURRENT = "CURRENT";
    private static final int BLOOM_BITS_PER_KEY = 10;
    private static final int KEEP_INFO_LOG_FILES = 5;

    private final Path directory;
    private final String member;
    private final LRUCache blockCache;
    private final BloomFilter bloomFilter;
    private final Options options;
    private final WriteOptions writeOptions;
    private final RocksDB db;
    private final ReentrantReadWriteLock guard = new ReentrantReadWriteLock();
    /** Told how long each write-ahead log append and sync took. */
    private final java.util.function.LongConsumer commitTimer;
    /** The options of the running defragment, so that close can cancel it; null when none runs. */
    private volatile CompactRangeOptions defragmenting;
    /** Set first thing by close: a defragment starting after it cancels itself. */
    private volatile boolean closing;
    private final Set<RocksDbSnapshot> snapshots = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    private RocksDbStorageEngine(Path directory, String member, LRUCache blockCache, BloomFilter bloomFilter,
                                 Options options, WriteOptions writeOptions, RocksDB db,
                                 java.util.function.LongConsumer commitTimer) {
        this.commitTimer = commitTimer;
        this.directory = directory;
        this.member = member;
        this.blockCache = blockCache;
        this.bloomFilter = bloomFilter;
        this.options = options;
        this.writeOptions = writeOptions;
        this.db = db;
    }

    /** Opens (or creates) the database in {@code directory}; see {@link RocksDbStorageProvider}. */
    static RocksDbStorageEngine open(Path directory, RocksDbOptions settings, StorageContext context) {
        loadLibrary();
        prepareDirectory(directory);
        LRUCache blockCache = new LRUCache(settings.blockCacheBytes());
        BloomFilter bloomFilter = new BloomFilter(BLOOM_BITS_PER_KEY);
        Options options = new Options()
                .setCreateIfMissing(true)
                .setWriteBufferSize(settings.writeBufferBytes())
                .setKeepLogFileNum(KEEP_INFO_LOG_FILES)
                .setTableFormatConfig(new BlockBasedTableConfig()
                        .setBlockCache(blockCache)
                        .setFilterPolicy(bloomFilter));
        WriteOptions writeOptions = new WriteOptions().setSync(false).setDisableWAL(false);
        RocksDB db;
        try {
            db = RocksDB.open(options, directory.toAbsolutePath().toString());
        } catch (RocksDBException e) {
            closeAll(writeOptions, options, bloomFilter, blockCache);
            String hint = String.valueOf(e.getMessage()).toLowerCase().contains("lock")
                    ? " (another engine has it open?)" : "";
            throw new StorageException("cannot open RocksDB in " + directory + hint + ": " + e.getMessage(), e);
        }
        String member = Objects.requireNonNullElse(context.memberName(), "?");
        RocksDbStorageEngine engine =
                new RocksDbStorageEngine(directory, member, blockCache, bloomFilter, options, writeOptions, db,
                        context.commitNanos());
        LOG.log(System.Logger.Level.DEBUG, "opened {0}", engine.describe());
        return engine;
    }

    private static void loadLibrary() {
        try {
            RocksDB.loadLibrary(); // idempotent: loads the JNI library on the first call only
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            throw new StorageException("cannot load RocksDB's native library for " + System.getProperty("os.name")
                    + "/" + System.getProperty("os.arch") + ": " + e, e);
        }
    }

    /**
     * Creates {@code directory} if needed. A directory that holds files (hidden ones and {@code lost+found}
     * aside) but no {@value #CURRENT} is refused: RocksDB would create a new database among another engine's
     * files.
     */
    private static void prepareDirectory(Path directory) {
        List<String> names;
        try {
            Files.createDirectories(directory);
            try (Stream<Path> files = Files.list(directory)) {
                names = files.map(p -> p.getFileName().toString())
                        .filter(n -> !n.startsWith(".") && !n.equals("lost+found"))
                        .sorted()
                        .toList();
            }
        } catch (IOException e) {
            throw new StorageException("cannot prepare data directory " + directory + ": " + e, e);
        }
        if (!names.isEmpty() && !names.contains(CURRENT)) {
            throw new StorageException("directory " + directory + " is not a rocksdb data directory: it holds "
                    + String.join(", ", names.subList(0, Math.min(10, names.size())))
                    + (names.size() > 10 ? ", ..." : "") + " but no " + CURRENT + " file; is it another engine's?");
        }
    }

    @Override
    public void write(WriteBatch batch) {
        Lock lock = enter("write");
        if (batch.isEmpty()) {
            lock.unlock();
            return;
        }
        try (org.rocksdb.WriteBatch rocksBatch = new org.rocksdb.WriteBatch()) {
            batch.forEach(new WriteBatch.Visitor() {
                @Override
                public void put(byte[] key, byte[] value) {
                    try {
                        rocksBatch.put(key, value);
                    } catch (RocksDBException e) {
                        throw failure("write", e);
                    }
                }

                @Override
                public void delete(byte[] key) {
                    try {
                        rocksBatch.delete(key);
                    } catch (RocksDBException e) {
                        throw failure("write", e);
                    }
                }
            });
            long started = System.nanoTime();
            db.write(writeOptions, rocksBatch);
            commitTimer.accept(System.nanoTime() - started);
        } catch (RocksDBException e) {
            throw failure("write", e);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public byte[] get(byte[] key) {
        Lock lock = enter("get");
        try {
            return RocksReads.get(db, null, key, e -> failure("get", e));
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void scan(byte[] from, byte[] to, boolean reverse, EntryVisitor visitor) {
        Lock lock = enter("scan");
        try {
            RocksReads.scan(db, null, from, to, reverse, visitor, e -> failure("scan", e));
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Snapshot snapshot() {
        Lock lock = enter("snapshot");
        try {
            RocksDbSnapshot snapshot = new RocksDbSnapshot(this, db.getSnapshot());
            snapshots.add(snapshot);
            return snapshot;
        } finally {
            lock.unlock();
        }
    }

    void forget(RocksDbSnapshot snapshot) {
        snapshots.remove(snapshot);
    }

    @Override
    public void sync() {
        Lock lock = enter("sync");
        try {
            long started = System.nanoTime();
            db.syncWal();
            commitTimer.accept(System.nanoTime() - started);
        } catch (RocksDBException e) {
            throw failure("sync", e);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void checkpoint(Path target) {
        Lock lock = enter("checkpoint");
        try {
            Path absolute = target.toAbsolutePath().normalize();
            Files.createDirectories(absolute.getParent());
            if (Files.exists(absolute, LinkOption.NOFOLLOW_LINKS)) {
                throw new StorageException("checkpoint target " + target + " already exists");
            }
            try (Checkpoint checkpoint = Checkpoint.create(db)) {
                // RocksDB builds it in <target>.tmp, syncs the files and renames the directory into place.
                checkpoint.createCheckpoint(absolute.toString());
            }
            FileSync.forceDirectory(absolute.getParent());
        } catch (RocksDBException | IOException e) {
            throw new StorageException("checkpoint of " + describe() + " to " + target + " failed: " + e, e);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Flushes the memtables and compacts every level into the bottom one, forcing the bottom level too, so
     * that deleted entries and their tombstones leave the SST files. RocksDB compacts in its background
     * threads; writes and reads go on meanwhile (writes may slow down if level 0 fills up).
     */
    @Override
    public void defragment() {
        Lock lock = enter("defragment");
        try (CompactRangeOptions options = new CompactRangeOptions()
                .setBottommostLevelCompaction(CompactRangeOptions.BottommostLevelCompaction.kForce)
                .setExclusiveManualCompaction(false)) {
            defragmenting = options;
            if (closing) {
                options.setCanceled(true);
            }
            db.compactRange(db.getDefaultColumnFamily(), null, null, options);
        } catch (RocksDBException e) {
            throw failure("defragment", e);
        } finally {
            defragmenting = null;
            lock.unlock();
        }
    }

    /**
     * Total: SST files plus live WAL files. In use: RocksDB's estimate of live data in SST files plus the
     * memtables (whose data is in the WAL), capped at the total.
     */
    @Override
    public StorageStats stats() {
        Lock lock = enter("stats");
        try {
            long wal = 0;
            for (LogFile f : db.getSortedWalFiles()) {
                if (f.type() == WalFileType.kAliveLogFile) {
                    wal += f.sizeFileBytes();
                }
            }
            long total = db.getLongProperty("rocksdb.total-sst-files-size") + wal;
            long live = db.getLongProperty("rocksdb.estimate-live-data-size")
                    + db.getLongProperty("rocksdb.cur-size-all-mem-tables");
            return new StorageStats(total, Math.min(live, total));
        } catch (RocksDBException e) {
            throw failure("stats", e);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        if (guard.getReadHoldCount() > 0) {
            throw new StorageException("close of " + describe() + " called from inside one of its own reads");
        }
        // A running defragment holds the guard for its whole compaction: ask RocksDB to stop it.
        closing = true;
        CompactRangeOptions running = defragmenting;
        if (running != null) {
            running.setCanceled(true);
        }
        Lock lock = guard.writeLock();
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            for (RocksDbSnapshot s : snapshots) {
                s.releaseOnEngineClose(db);
            }
            snapshots.clear();
            try {
                db.closeE();
            } catch (RocksDBException e) {
                throw new StorageException("close of " + describe() + " failed: " + e, e);
            } finally {
                closeAll(writeOptions, options, bloomFilter, blockCache);
            }
        } finally {
            lock.unlock();
        }
        LOG.log(System.Logger.Level.DEBUG, "closed {0}", describe());
    }

    /**
     * Takes the read side of {@link #guard} for one call and returns it to unlock; fails if the engine is
     * closed.
     */
    Lock enter(String operation) {
        Lock lock = tryEnter();
        if (lock == null) {
            throw new StorageException(describe() + " is closed; cannot " + operation);
        }
        return lock;
    }

    /** Like {@link #enter}, but returns null when the engine is closed. */
    Lock tryEnter() {
        Lock lock = guard.readLock();
        lock.lock();
        if (closed) {
            lock.unlock();
            return null;
        }
        return lock;
    }

    RocksDB db() {
        return db;
    }

    String describe() {
        return "rocksdb engine on " + directory + " (member " + member + ")";
    }

    StorageException failure(String operation, Exception e) {
        return new StorageException(describe() + ": " + operation + " failed: " + e.getMessage(), e);
    }

    private static void closeAll(AutoCloseable... handles) {
        for (AutoCloseable h : handles) {
            try {
                h.close();
            } catch (Exception e) {
                LOG.log(System.Logger.Level.WARNING, "closing a RocksDB handle failed: {0}", e.toString());
            }
        }
    }
}
