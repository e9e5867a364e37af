package io.tern.storage.mvstore;

import static io.tern.spi.storage.ContractCases.bytes;

import io.tern.spi.storage.StorageConfig;
import io.tern.spi.storage.StorageContext;
import io.tern.spi.storage.WriteBatch;
import java.nio.file.Path;
import java.util.Map;

/** Opening engines with explicit options, for this module's own tests. */
final class MVStoreTesting {
    /** No background commits or compaction: the test decides when anything is stored. */
    static final String NEVER = String.valueOf(3_600_000);

    private MVStoreTesting() {
    }

    static MVStoreStorageEngine open(Path dir, Map<String, String> options) {
        return (MVStoreStorageEngine) new MVStoreStorageProvider()
                .create(new StorageConfig(dir, options), new StorageContext("test"));
    }

    /** A batch putting {@code key<i>} for i in [from, to), each value {@code value} repeated to {@code size} bytes. */
    static WriteBatch fill(int from, int to, String value, int size) {
        WriteBatch b = new WriteBatch();
        byte[] v = bytes(value.repeat(size / value.length() + 1).substring(0, size));
        for (int i = from; i < to; i++) {
            b.put(bytes(String.format("key%06d", i)), v);
        }
        return b;
    }
}
