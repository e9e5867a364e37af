package io.tern.storage.mvstore;

import static io.tern.spi.storage.ContractCases.scanAll;
import static io.tern.storage.mvstore.MVStoreTesting.fill;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tern.spi.storage.StorageContext;
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
    void aCheckpointIsOneCompactStreamFileThatRestoresToAnEqualStore() throws IOException {
        Path dir = tmp.resolve("data");
        Path checkpoint = tmp.resolve("checkpoint");
        try (MVStoreStorageEngine engine = MVStoreTesting.open(dir, Map.of("mvstore.commit-interval-ms", "0"))) {
            for (int round = 0; round < 20; round++) {
                engine.write(fill(0, 2000, "round" + round, 100));
            }
            engine.sync();
            engine.checkpoint(checkpoint);
            assertThat(names(checkpoint)).containsExactly("tern.checkpoint");
            assertThat(names(tmp)).containsExactlyInAnyOrder("data", "checkpoint");
            assertThat(Files.size(checkpoint.resolve("tern.checkpoint")))
                    .isLessThan(Files.size(dir.resolve("tern.mv.db")));
            Path restored = tmp.resolve("restored");
            new MVStoreStorageProvider().restore(checkpoint, restored, new StorageContext("test"));
            assertThat(names(restored)).containsExactly("tern.mv.db");
            assertThat(names(tmp)).containsExactlyInAnyOrder("data", "checkpoint", "restored");
            try (MVStoreStorageEngine copy = MVStoreTesting.open(restored, Map.of())) {
                assertThat(scanAll(copy)).isEqualTo(scanAll(engine));
            }
        }
    }

    /** A way to spoil a checkpoint file, and what the refusal says. */
    record Damage(String name, java.util.function.UnaryOperator<byte[]> spoil, String message) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Damage> damages() {
        return Stream.of(
                new Damage("flipped byte in a value", b -> flip(b, valueByteAfter(b, b.length / 2)), "does not match its contents"),
                new Damage("flipped checksum", b -> flip(b, b.length - 1), "does not match its contents"),
                new Damage("cut short", b -> java.util.Arrays.copyOf(b, b.length / 2), "ends early"),
                new Damage("trailing bytes", b -> java.util.Arrays.copyOf(b, b.length + 3), "does not match"),
                new Damage("foreign file", b -> "not a checkpoint at all".getBytes(), "does not start with"));
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.MethodSource("damages")
    void aDamagedCheckpointIsRefusedBeforeTheDirectoryIsTouched(Damage damage) throws IOException {
        Path checkpoint = tmp.resolve("checkpoint");
        try (MVStoreStorageEngine engine = MVStoreTesting.open(tmp.resolve("data"), Map.of())) {
            engine.write(fill(0, 500, "v", 50));
            engine.checkpoint(checkpoint);
        }
        Path file = checkpoint.resolve("tern.checkpoint");
        Files.write(file, damage.spoil().apply(Files.readAllBytes(file)));
        Path target = Files.createDirectories(tmp.resolve("target"));
        Files.writeString(target.resolve("keep"), "still here");
        assertThatThrownBy(() -> new MVStoreStorageProvider().restore(checkpoint, target, new StorageContext("test")))
                .isInstanceOf(StorageException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining(damage.message());
        assertThat(target.resolve("keep")).hasContent("still here");
        assertThat(tmp.resolve("target.restoring")).as("the half-built store is cleaned up").doesNotExist();
    }

    /** The position of a value byte (the test's values are all 'v') at or after {@code from}. */
    private static int valueByteAfter(byte[] bytes, int from) {
        int at = from;
        while (bytes[at] != 'v') {
            at++;
        }
        return at;
    }

    private static byte[] flip(byte[] bytes, int at) {
        byte[] copy = bytes.clone();
        copy[at] ^= 0x5A;
        return copy;
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
