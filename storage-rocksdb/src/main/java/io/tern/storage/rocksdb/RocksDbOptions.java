package io.tern.storage.rocksdb;

import io.tern.spi.storage.StorageConfig;
import java.util.List;

/**
 * The {@code rocksdb.*} settings of a {@link StorageConfig}, parsed and checked once.
 *
 * @param blockCacheBytes  capacity of the LRU cache of SST blocks ({@code rocksdb.block-cache-bytes},
 *                         default 64 MiB)
 * @param writeBufferBytes size a memtable grows to before it is flushed to an SST file
 *                         ({@code rocksdb.write-buffer-bytes}, default 64 MiB, at least 64 KiB)
 */
record RocksDbOptions(long blockCacheBytes, long writeBufferBytes) {
    static final String ENGINE = "rocksdb";
    static final String PREFIX = ENGINE + ".";
    static final String BLOCK_CACHE_BYTES = PREFIX + "block-cache-bytes";
    static final String WRITE_BUFFER_BYTES = PREFIX + "write-buffer-bytes";
    private static final List<String> KEYS = List.of(BLOCK_CACHE_BYTES, WRITE_BUFFER_BYTES);
    private static final long MIN_WRITE_BUFFER = 64 * 1024;

    static final RocksDbOptions DEFAULTS = new RocksDbOptions(64L << 20, 64L << 20);

    RocksDbOptions {
        if (blockCacheBytes < 0) {
            throw new IllegalArgumentException(
                    "storage option " + BLOCK_CACHE_BYTES + " must be >= 0, got " + blockCacheBytes);
        }
        if (writeBufferBytes < MIN_WRITE_BUFFER) {
            throw new IllegalArgumentException("storage option " + WRITE_BUFFER_BYTES + " must be >= "
                    + MIN_WRITE_BUFFER + ", got " + writeBufferBytes);
        }
    }

    /**
     * Reads the {@code rocksdb.*} options; other engines' options are ignored, but an unknown key with this
     * engine's prefix fails, so a typo is not silently ignored.
     */
    static RocksDbOptions from(StorageConfig config) {
        config.requireKnownOptions(ENGINE, KEYS);
        return new RocksDbOptions(
                config.longOption(BLOCK_CACHE_BYTES, DEFAULTS.blockCacheBytes),
                config.longOption(WRITE_BUFFER_BYTES, DEFAULTS.writeBufferBytes));
    }
}
