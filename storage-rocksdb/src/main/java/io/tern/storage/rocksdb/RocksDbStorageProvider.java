package io.tern.storage.rocksdb;

import io.tern.spi.storage.StorageConfig;
import io.tern.spi.storage.StorageContext;
import io.tern.spi.storage.StorageEngine;
import io.tern.spi.storage.StorageProvider;

/**
 * The {@code rocksdb} engine: a RocksDB database (default column family only) in the data directory.
 * Options are described by {@link RocksDbOptions}. Checkpoints are RocksDB checkpoints, directories that
 * open as databases, so the default {@link StorageProvider#restore} applies.
 */
public final class RocksDbStorageProvider implements StorageProvider {
    public static final String NAME = "rocksdb";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public StorageEngine create(StorageConfig config, StorageContext context) {
        return RocksDbStorageEngine.open(config.directory(), RocksDbOptions.from(config), context);
    }
}
