package io.tern.storage.mvstore;

import static io.tern.spi.storage.ContractCases.bytes;
import static io.tern.spi.storage.ContractCases.scanAll;
import static io.tern.storage.mvstore.MVStoreTesting.NEVER;
import static io.tern.storage.mvstore.MVStoreTesting.fill;
import static org.assertj.core.api.Assertions.assertThat;

import io.tern.spi.storage.ContractCases.KV;
import io.tern.spi.storage.WriteBatch;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Which batches a crash keeps. {@link MVStoreStorageEngine#crash} closes the file without writing anything,
 * as a dying process would; the store is then reopened and read.
 */
class MVStoreCommitPolicyTest {

    @TempDir
    Path dir;

    /** Options, what happens after two batches (a, b) are written, and the keys a crash then keeps. */
    record Policy(String name, Map<String, String> options, Consumer<MVStoreStorageEngine> beforeCrash,
                  List<String> kept) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Policy> policies() {
        Consumer<MVStoreStorageEngine> nothing = e -> { };
        return Stream.of(
                new Policy("commit interval 0 commits every batch",
                        Map.of("mvstore.commit-interval-ms", "0", "mvstore.idle-commit-interval-ms", NEVER),
                        nothing, List.of("a", "b")),
                new Policy("within the commit interval batches are not yet committed",
                        Map.of("mvstore.commit-interval-ms", NEVER, "mvstore.idle-commit-interval-ms", NEVER),
                        nothing, List.of()),
                new Policy("sync commits",
                        Map.of("mvstore.commit-interval-ms", NEVER, "mvstore.idle-commit-interval-ms", NEVER),
                        MVStoreStorageEngine::sync, List.of("a", "b")),
                new Policy("the background thread commits once writes stop",
                        Map.of("mvstore.commit-interval-ms", NEVER, "mvstore.idle-commit-interval-ms", "20"),
                        MVStoreCommitPolicyTest::awaitCommit, List.of("a", "b")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("policies")
    void aCrashKeepsCommittedBatchesOnly(Policy p) {
        MVStoreStorageEngine engine = MVStoreTesting.open(dir, p.options());
        engine.write(batchOf("a"));
        engine.write(batchOf("b"));
        p.beforeCrash().accept(engine);
        engine.crash();
        try (MVStoreStorageEngine reopened = MVStoreTesting.open(dir, p.options())) {
            assertThat(scanAll(reopened)).extracting(KV::key).containsExactlyElementsOf(p.kept());
        }
    }

    /**
     * MVStore normally stores a map as soon as its unsaved pages pass a memory threshold (some MiB), even in the
     * middle of a caller's run of puts. This batch is several times that; after a crash it must be entirely
     * absent, since nothing committed it.
     */
    @Test
    void aBatchLargerThanMVStoresAutoCommitMemoryIsNotStoredInPart() {
        Map<String, String> options =
                Map.of("mvstore.commit-interval-ms", NEVER, "mvstore.idle-commit-interval-ms", NEVER);
        MVStoreStorageEngine engine = MVStoreTesting.open(dir, options);
        engine.write(batchOf("before"));
        engine.sync();
        engine.write(fill(0, 40_000, "large batch ", 1024));
        assertThat(engine.hasUncommittedBatches()).isTrue();
        engine.crash();
        try (MVStoreStorageEngine reopened = MVStoreTesting.open(dir, options)) {
            assertThat(scanAll(reopened)).extracting(KV::key).containsExactly("before");
        }
    }

    private static WriteBatch batchOf(String key) {
        WriteBatch b = new WriteBatch();
        b.put(bytes(key), bytes("v"));
        return b;
    }

    private static void awaitCommit(MVStoreStorageEngine engine) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (engine.hasUncommittedBatches()) {
            assertThat(deadline - System.nanoTime()).as("time left for a background commit").isPositive();
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }
}
