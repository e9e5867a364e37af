package io.tern.storage.mvstore;

import static io.tern.spi.storage.ContractCases.scanAll;
import static io.tern.storage.mvstore.MVStoreTesting.fill;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tern.spi.storage.StorageException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.h2.mvstore.MVStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What this engine puts on disk, and what it refuses to open. */
class MVStoreFilesTest {

    @TempDir
    Path tmp;

    @Test
    void aNewStoreIsOneFileWithOneMapAndTheFormatStamped() throws IOException {
        Path dir = tmp.resolve("data");
        MVStoreTesting.open(dir, Map.of()).close();
        assertThat(names(dir)).containsExactly("tern.mv.db");
        MVStore raw = new MVStore.Builder().fileName(dir.resolve("tern.mv.db").toString()).readOnly().open();
        try {
            assertThat(raw.getMapNames()).isEqualTo(Set.of("tern"));
            assertThat(raw.getStoreVersion()).isEqualTo(1);
        } finally {
            raw.close();
        }
    }

    @Test
    void aCorruptStoreFileIsRefusedAndLeftAsItWas() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("data"));
        byte[] garbage = new byte[64 * 1024];
        new Random(5).nextBytes(garbage);
        Path file = Files.write(dir.resolve("tern.mv.db"), garbage);
        assertThatThrownBy(() -> MVStoreTesting.open(dir, Map.of()))
                .isInstanceOf(StorageException.class)
                .hasMessageContaining(file.toString());
        assertThat(Files.readAllBytes(file)).isEqualTo(garbage);
    }

    @Test
    void anMVStoreFileThatIsNotTernsIsRefused() {
        Path dir = tmp.resolve("data");
        Path file = dir.resolve("tern.mv.db");
        dir.toFile().mkdirs();
        MVStore other = new MVStore.Builder().fileName(file.toString()).open();
        other.openMap("someone-else").put("k", "v");
        other.close();
        assertThatThrownBy(() -> MVStoreTesting.open(dir, Map.of()))
                .isInstanceOf(StorageException.class)
                .hasMessageContaining("not a Tern store")
                .hasMessageContaining("someone-else");
    }

    @Test
    void anotherEnginesDirectoryIsRefusedByName() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("rocks"));
        for (String name : new String[] {"CURRENT", "MANIFEST-000005", "000004.log", "LOCK"}) {
            Files.writeString(dir.resolve(name), "x");
        }
        assertThatThrownBy(() -> MVStoreTesting.open(dir, Map.of()))
                .isInstanceOf(StorageException.class)
                .hasMessageContaining("is not an mvstore data directory")
                .hasMessageContaining("CURRENT")
                .hasMessageContaining("another engine's");
        assertThat(names(dir)).doesNotContain("tern.mv.db");
    }

    @Test
    void aCheckpointIsOneCompactFileAndLeavesNothingPartialBehind() throws IOException {
        Path dir = tmp.resolve("data");
        Path checkpoint = tmp.resolve("checkpoint");
        try (MVStoreStorageEngine engine = MVStoreTesting.open(dir, Map.of("mvstore.commit-interval-ms", "0"))) {
            for (int round = 0; round < 20; round++) {
                engine.write(fill(0, 2000, "round" + round, 100));
            }
            engine.sync();
            engine.checkpoint(checkpoint);
            assertThat(names(checkpoint)).containsExactly("tern.mv.db");
            assertThat(names(tmp)).containsExactlyInAnyOrder("data", "checkpoint");
            assertThat(Files.size(checkpoint.resolve("tern.mv.db"))).isLessThan(Files.size(dir.resolve("tern.mv.db")));
            try (MVStoreStorageEngine copy = MVStoreTesting.open(checkpoint, Map.of())) {
                assertThat(scanAll(copy)).isEqualTo(scanAll(engine));
            }
        }
    }

    @Test
    void aLeftoverPartialCheckpointIsReportedNotDeleted() throws IOException {
        Path partial = Files.createDirectories(tmp.resolve("checkpoint.partial"));
        Files.writeString(partial.resolve("tern.mv.db"), "half");
        try (MVStoreStorageEngine engine = MVStoreTesting.open(tmp.resolve("data"), Map.of())) {
            assertThatThrownBy(() -> engine.checkpoint(tmp.resolve("checkpoint")))
                    .isInstanceOf(StorageException.class)
                    .hasMessageContaining(partial.toString());
        }
        assertThat(partial.resolve("tern.mv.db")).hasContent("half");
        assertThat(tmp.resolve("checkpoint")).doesNotExist();
    }

    private static java.util.List<String> names(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
