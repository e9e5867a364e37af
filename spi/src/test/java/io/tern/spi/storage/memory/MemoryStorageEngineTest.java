package io.tern.spi.storage.memory;

import io.tern.spi.storage.StorageEngineContract;
import io.tern.spi.storage.StorageProvider;

class MemoryStorageEngineTest extends StorageEngineContract {
    @Override
    protected StorageProvider provider() {
        return new MemoryStorageProvider();
    }

    @Override
    protected boolean persistent() {
        return false;
    }
}
