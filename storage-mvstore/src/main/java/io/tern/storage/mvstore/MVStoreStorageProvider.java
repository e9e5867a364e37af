package io.tern.storage.mvstore;

import io.tern.spi.failpoint.Failpoints;
import io.tern.spi.storage.StorageConfig;
import io.tern.spi.storage.StorageContext;
import io.tern.spi.storage.StorageEngine;
import io.tern.spi.storage.StorageProvider;
import java.nio.file.Path;

/**
 * The {@code mvstore} engine: one H2 MVStore file, {@value MVStoreStorageEngine#FILE_NAME}, in the data
 * directory. Options are described by {@link MVStoreOptions}. Checkpoints are directories holding one
 * stream file (see {@link Checkpoints}); {@link #restore} builds a store file from it.
 */
public final class MVStoreStorageProvider implements StorageProvider {
    public static final String NAME = "mvstore";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public StorageEngine create(StorageConfig config, StorageContext context) {
        return MVStoreStorageEngine.open(config.directory(), MVStoreOptions.from(config), context);
    }

    /** As {@link StorageProvider#restore}; a damaged checkpoint is refused before the directory is touched. */
    @Override
    public void restore(Path checkpoint, Path directory, StorageContext context) {
        Checkpoints.restore(checkpoint, directory, context.failpoints().point(Failpoints.Name.APPLY_SNAPSHOT_MIDWAY));
    }
}
