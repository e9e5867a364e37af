package io.tern.storage.rocksdb;

import io.tern.spi.storage.StorageEngineContract;
import io.tern.spi.storage.StorageProvider;

class RocksDbStorageEngineTest extends StorageEngineContract {
    @Override
    protected StorageProvider provider() {
        return new RocksDbStorageProvider();
    }
}
