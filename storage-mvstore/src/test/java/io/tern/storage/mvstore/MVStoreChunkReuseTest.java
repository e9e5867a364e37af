package io.tern.storage.mvstore;

import static io.tern.spi.storage.ContractCases.bytes;
import static io.tern.spi.storage.ContractCases.scanAll;
import static io.tern.storage.mvstore.MVStoreTesting.NEVER;
import static io.tern.storage.mvstore.MVStoreTesting.fill;
import static org.assertj.core.api.Assertions.assertThat;

import io.tern.spi.storage.ContractCases.KV;
import io.tern.spi.storage.Snapshot;
import io.tern.spi.storage.WriteBatch;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Old roots against MVStore's reuse of chunk space. These engines keep dead chunks for 0 ms and have no page
 * cache, so a page that a reader needs is read from the file, and MVStore reuses a chunk as soon as no
 * registered version needs it. A read that did not register its version would read overwritten space.
 */
class MVStoreChunkReuseTest {
    private static final Map<String, String> EAGER_REUSE = Map.of(
            "mvstore.commit-interval-ms", "0",
            "mvstore.idle-commit-interval-ms", NEVER,
            "mvstore.retention-ms", "0",
            "mvstore.cache-mib", "0",
            "mvstore.auto-compact-fill-rate", "0");

    @TempDir
    Path dir;

    @Test
    void aSnapshotKeepsItsChunksUntilClosed() {
        try (MVStoreStorageEngine engine = MVStoreTesting.open(dir, EAGER_REUSE)) {
            engine.write(fill(0, 3000, "original", 200));
            engine.sync();
            List<KV> original;
            long pinnedSize;
            try (Snapshot snapshot = engine.snapshot()) {
                original = scanAll(snapshot);
                for (int round = 0; round < 30; round++) {
                    engine.write(fill(0, 3000, "round " + round, 200));
                    engine.sync();
                }
                assertThat(scanAll(snapshot)).isEqualTo(original);
                pinnedSize = engine.stats().totalBytes();
            }
            // Once the snapshot is gone its chunks are reused: more rounds barely grow the file.
            for (int round = 0; round < 30; round++) {
                engine.write(fill(0, 3000, "after " + round, 200));
                engine.sync();
            }
            assertThat(engine.stats().totalBytes()).isLessThan(pinnedSize + pinnedSize / 4);
            assertThat(original).hasSize(3000);
        }
    }

    /**
     * Every batch rewrites all keys with the batch's number; readers scan slowly, so each scan spans several
     * commits, and must still see one batch's values throughout.
     */
    @Test
    void slowScansOfTheEngineSpanCommitsSafely() throws Exception {
        try (MVStoreStorageEngine engine = MVStoreTesting.open(dir, EAGER_REUSE)) {
            engine.write(fill(0, 600, "000", 120));
            AtomicBoolean writing = new AtomicBoolean(true);
            ExecutorService readers = Executors.newFixedThreadPool(2);
            try {
                List<Future<Integer>> scans = new ArrayList<>();
                for (int r = 0; r < 2; r++) {
                    scans.add(readers.submit(() -> slowScans(engine, writing)));
                }
                for (int batch = 1; batch <= 150; batch++) {
                    engine.write(fill(0, 600, String.format("%03d", batch), 120));
                }
                writing.set(false);
                for (Future<Integer> f : scans) {
                    assertThat(f.get(60, TimeUnit.SECONDS)).isPositive();
                }
            } finally {
                writing.set(false);
                readers.shutdownNow();
            }
        }
    }

    private static int slowScans(MVStoreStorageEngine engine, AtomicBoolean writing) {
        int scans = 0;
        while (writing.get() || scans == 0) {
            List<String> values = new ArrayList<>();
            engine.scan(new byte[0], null, scans % 2 == 1, (k, v) -> {
                values.add(new String(v, 0, 3, StandardCharsets.ISO_8859_1));
                if (values.size() % 100 == 0) {
                    pause();
                }
                return true;
            });
            assertThat(values).hasSize(600);
            assertThat(values.stream().distinct()).as("values in scan %d", scans).hasSize(1);
            scans++;
        }
        return scans;
    }

    private static void pause() {
        try {
            Thread.sleep(2);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void compactionRewritesSparseChunksAndKeepsEveryView() {
        Map<String, String> options = Map.of(
                "mvstore.commit-interval-ms", "0",
                "mvstore.idle-commit-interval-ms", NEVER,
                "mvstore.retention-ms", "0",
                "mvstore.auto-compact-fill-rate", "0");
        try (MVStoreStorageEngine engine = MVStoreTesting.open(dir, options)) {
            engine.write(fill(0, 5000, "base", 100));
            for (int round = 0; round < 20; round++) {
                // A few keys spread over the whole range: every chunk loses a little.
                WriteBatch b = new WriteBatch();
                for (int i = round; i < 5000; i += 50) {
                    b.put(bytes(String.format("key%06d", i)), bytes("round" + round));
                }
                engine.write(b);
            }
            engine.sync();
            List<KV> before = scanAll(engine);
            int fillBefore = engine.chunksFillRate();
            try (Snapshot snapshot = engine.snapshot()) {
                assertThat(engine.compactNow(99)).as("chunks rewritten (fill rate was %d%%)", fillBefore).isTrue();
                engine.write(fill(0, 10, "after", 10));
                engine.sync();
                assertThat(scanAll(snapshot)).isEqualTo(before);
            }
            List<KV> expected = new ArrayList<>(before);
            for (int i = 0; i < 10; i++) {
                expected.set(i, new KV(String.format("key%06d", i), "afterafter"));
            }
            assertThat(scanAll(engine)).isEqualTo(expected);
            engine.close();
            try (MVStoreStorageEngine reopened = MVStoreTesting.open(dir, options)) {
                assertThat(scanAll(reopened)).isEqualTo(expected);
            }
        }
    }
}
