package io.tern.storage.rocksdb;

import static io.tern.spi.storage.ContractCases.bytes;
import static io.tern.spi.storage.ContractCases.scanAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tern.spi.storage.Snapshot;
import io.tern.spi.storage.StorageConfig;
import io.tern.spi.storage.StorageContext;
import io.tern.spi.storage.StorageEngine;
import io.tern.spi.storage.StorageException;
import io.tern.spi.storage.WriteBatch;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;

/** What this engine puts on disk, what it refuses to open, and how it fails instead of crashing. */
class RocksDbFilesTest {

    @TempDir
    Path tmp;

    private static StorageEngine open(Path dir, Map<String, String> options) {
        return new RocksDbStorageProvider().create(new StorageConfig(dir, options), new StorageContext("test"));
    }

    @Test
    void anMVStoreDirectoryIsRefusedByName() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("mvstore"));
        Files.write(dir.resolve("tern.mv.db"), new byte[4096]);
        assertThatThrownBy(() -> open(dir, Map.of()))
                .isInstanceOf(StorageException.class)
                .hasMessageContaining("is not a rocksdb data directory")
                .hasMessageContaining("tern.mv.db")
                .hasMessageContaining("another engine's");
        assertThat(names(dir)).containsExactly("tern.mv.db");
    }

    @Test
    void aDamagedDatabaseFailsWithItsDirectoryInTheMessage() throws IOException {
        Path dir = tmp.resolve("data");
        try (StorageEngine engine = open(dir, Map.of())) {
            engine.write(batch("a", "1"));
        }
        Files.writeString(dir.resolve("CURRENT"), "MANIFEST-999999\n");
        assertThatThrownBy(() -> open(dir, Map.of()))
                .isInstanceOf(StorageException.class)
                .hasMessageContaining(dir.toString());
    }

    @Test
    void aCheckpointIsADatabaseRocksDbItselfOpens() throws Exception {
        Path checkpoint = tmp.resolve("checkpoint");
        try (StorageEngine engine = open(tmp.resolve("data"), Map.of())) {
            engine.write(batch("a", "1"));
            engine.checkpoint(checkpoint);
        }
        assertThat(names(tmp)).containsExactlyInAnyOrder("data", "checkpoint");
        try (Options options = new Options(); RocksDB db = RocksDB.openReadOnly(options, checkpoint.toString())) {
            assertThat(db.get(bytes("a"))).isEqualTo(bytes("1"));
        }
    }

    @Test
    void aSmallWriteBufferFlushesToSstFilesWithoutLosingAnything() throws IOException {
        Path dir = tmp.resolve("data");
        Map<String, String> options = Map.of("rocksdb.write-buffer-bytes", "65536", "rocksdb.block-cache-bytes", "0");
        Random random = new Random(9);
        try (StorageEngine engine = open(dir, options)) {
            for (int i = 0; i < 64; i++) {
                WriteBatch b = new WriteBatch();
                byte[] value = new byte[16 * 1024];
                random.nextBytes(value);
                b.put(bytes(String.format("k%03d", i)), value);
                engine.write(b);
            }
            engine.sync();
            assertThat(scanAll(engine)).hasSize(64);
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).anyMatch(n -> n.endsWith(".sst"));
        }
        try (StorageEngine engine = open(dir, options)) {
            assertThat(scanAll(engine)).hasSize(64);
            assertThat(engine.stats().totalBytes()).isGreaterThanOrEqualTo(64 * 16 * 1024);
        }
    }

    @Test
    void closingFromInsideOwnReadsFailsInsteadOfDeadlocking() {
        try (StorageEngine engine = open(tmp.resolve("data"), Map.of())) {
            engine.write(batch("a", "1"));
            assertThatThrownBy(() -> engine.scan(bytes(""), null, false, (k, v) -> {
                engine.close();
                return true;
            })).isInstanceOf(StorageException.class).hasMessageContaining("inside one of its own reads");
            try (Snapshot snapshot = engine.snapshot()) {
                assertThatThrownBy(() -> snapshot.scan(bytes(""), null, false, (k, v) -> {
                    snapshot.close();
                    return true;
                })).isInstanceOf(StorageException.class).hasMessageContaining("inside one of its reads");
                assertThat(snapshot.get(bytes("a"))).isEqualTo(bytes("1"));
            }
            assertThat(engine.get(bytes("a"))).isEqualTo(bytes("1"));
        }
    }

    private static WriteBatch batch(String key, String value) {
        WriteBatch b = new WriteBatch();
        b.put(bytes(key), bytes(value));
        return b;
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
