package io.tern.consensus.jraft;

import com.alipay.sofa.jraft.storage.impl.RocksDBLogStorage;
import com.alipay.sofa.jraft.util.StorageOptionsFactory;
import org.rocksdb.ColumnFamilyOptions;

/**
 * The memtable budget of jraft's RocksDB raft log.
 *
 * <p>jraft's default column family options end with {@code optimizeLevelStyleCompaction()}, which sizes
 * the memtables for a 512 MiB budget: six of 128 MiB, flushed only two at a time. A member taking a
 * steady write load therefore grows its native memory for tens of minutes before the log's first flush
 * (seen in the 30-minute soak as about 5 MiB of RSS a minute). The log is read back only by followers
 * catching up and by restarts, so large memtables buy nothing: three of 32 MiB, each flushed on its own,
 * bound it to 96 MiB per column family (the log's entries; its configuration family takes only membership
 * changes).
 *
 * <p>jraft keeps options per class in a process-wide table that refuses a second registration, and
 * fills it with its defaults on first use; {@link #install()} must therefore run before the first log
 * storage of the process opens, and is idempotent for the many members a test JVM starts.
 */
final class LogMemtables {
    static final long WRITE_BUFFER_BYTES = 32L << 20;
    static final int MAX_WRITE_BUFFERS = 3;

    private LogMemtables() {
    }

    /** Registers the bounded options for every raft log of this process; later calls do nothing. */
    static void install() {
        Registration.DONE.hashCode();
    }

    /** Registered once, by the class initialiser, so that concurrent first calls cannot race. */
    private static final class Registration {
        static final Object DONE = register();

        private static Object register() {
            ColumnFamilyOptions opts = StorageOptionsFactory.getDefaultRocksDBColumnFamilyOptions()
                    .setWriteBufferSize(WRITE_BUFFER_BYTES)
                    .setMaxWriteBufferNumber(MAX_WRITE_BUFFERS)
                    .setMinWriteBufferNumberToMerge(1);
            StorageOptionsFactory.registerRocksDBColumnFamilyOptions(RocksDBLogStorage.class, opts);
            return new Object();
        }
    }
}
