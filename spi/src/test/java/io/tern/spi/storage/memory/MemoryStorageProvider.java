package io.tern.spi.storage.memory;

import io.tern.spi.storage.StorageConfig;
import io.tern.spi.storage.StorageContext;
import io.tern.spi.storage.StorageEngine;
import io.tern.spi.storage.StorageProvider;

/**
 * The {@code memory} engine: entries live in the heap and are gone after {@code close}. Takes no options.
 * {@link StorageEngine#checkpoint} writes one file, and an engine opened on a directory holding that file
 * starts with its entries, so the default {@link StorageProvider#restore} works.
 */
public final class MemoryStorageProvider implements StorageProvider {
    public static final String NAME = "memory";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public StorageEngine create(StorageConfig config, StorageContext context) {
        return MemoryStorageEngine.open(config.directory());
    }
}
