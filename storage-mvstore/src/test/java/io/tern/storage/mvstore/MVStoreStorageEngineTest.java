package io.tern.storage.mvstore;

import io.tern.spi.storage.StorageEngineContract;
import io.tern.spi.storage.StorageProvider;

class MVStoreStorageEngineTest extends StorageEngineContract {
    @Override
    protected StorageProvider provider() {
        return new MVStoreStorageProvider();
    }
}
