package io.tern.spi.storage;

import static io.tern.spi.storage.ContractCases.batch;
import static io.tern.spi.storage.ContractCases.bytes;
import static io.tern.spi.storage.ContractCases.randomBytes;
import static io.tern.spi.storage.ContractCases.scan;
import static io.tern.spi.storage.ContractCases.scanAll;
import static io.tern.spi.storage.ContractCases.show;
import static io.tern.spi.storage.ContractCases.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tern.spi.failpoint.Failpoint;
import io.tern.spi.failpoint.Failpoints;
import io.tern.spi.storage.ContractCases.ClosedCall;
import io.tern.spi.storage.ContractCases.KV;
import io.tern.spi.storage.ContractCases.Op;
import io.tern.spi.storage.ContractCases.OverlayCase;
import io.tern.spi.storage.ContractCases.PointCase;
import io.tern.spi.storage.ContractCases.ScanCase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The behaviour every {@link StorageEngine} must show. An engine's test is a one-method subclass:
 *
 * <pre>{@code
 * class MyEngineTest extends StorageEngineContract {
 *     protected StorageProvider provider() { return new MyStorageProvider(); }
 * }
 * }</pre>
 *
 * Behaviours an engine may lack have a capability hook that a subclass overrides; the tests that need
 * the capability are skipped (not failed) without it. Engines are opened in a fresh temporary
 * directory per test and closed after it. Durability and file-format checks beyond this suite (crash
 * recovery, engine-specific options) belong in the engine's own tests.
 */
public abstract class StorageEngineContract {

    @TempDir
    protected Path tmp;

    private final Deque<StorageEngine> opened = new ArrayDeque<>();
    /** The context every engine and restore of the suite gets. */
    protected static final StorageContext CONTEXT = new StorageContext("contract");

    /** The provider under test. */
    protected abstract StorageProvider provider();

    /**
     * Capability: batches survive {@code close} and a new {@code create} on the same directory. An
     * in-memory engine answers {@code false}; the persistence tests are then skipped.
     */
    protected boolean persistent() {
        return true;
    }

    /** Engine options for every engine the suite opens (for example, small caches). */
    protected Map<String, String> options() {
        return Map.of();
    }

    /** Opens an engine on {@code dir}; it is closed after the test if the test does not close it. */
    protected final StorageEngine open(Path dir) {
        StorageEngine engine = provider().create(new StorageConfig(dir, options()), CONTEXT);
        opened.push(engine);
        return engine;
    }

    protected final StorageEngine open() {
        return open(tmp.resolve("data"));
    }

    @AfterEach
    void closeEngines() {
        while (!opened.isEmpty()) {
            opened.pop().close();
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Point reads and batches

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.tern.spi.storage.ContractCases#pointCases")
    void getSeesEveryWrittenBatch(PointCase c) {
        StorageEngine engine = open();
        for (List<Op> ops : c.batches()) {
            engine.write(batch(ops));
        }
        for (KV kv : c.expected()) {
            byte[] v = engine.get(bytes(kv.key()));
            assertThat(v == null ? null : text(v)).as("get %s", show(kv.key())).isEqualTo(kv.value());
        }
        List<KV> present = c.expected().stream().filter(kv -> kv.value() != null).toList();
        assertThat(scanAll(engine)).as("full scan").containsExactlyElementsOf(present);
    }

    @Test
    void arraysHandedInOrOutAreNotShared() {
        StorageEngine engine = open();
        byte[] key = bytes("k");
        byte[] value = bytes("value");
        WriteBatch reused = new WriteBatch();
        reused.put(key, value);
        engine.write(reused);
        // After write returns the caller owns its arrays and its batch again.
        key[0] = 'X';
        value[0] = 'X';
        reused.clear();
        reused.put(bytes("other"), bytes("o"));
        engine.write(reused);

        engine.get(bytes("k"))[0] = 'Y';
        engine.scan(bytes(""), null, false, (k, v) -> {
            k[0] = 'Z';
            v[0] = 'Z';
            return true;
        });
        try (Snapshot snapshot = engine.snapshot()) {
            snapshot.get(bytes("k"))[0] = 'Q';
            snapshot.scan(bytes(""), null, true, (k, v) -> {
                v[0] = 'Q';
                return true;
            });
            assertThat(scanAll(snapshot)).containsExactly(new KV("k", "value"), new KV("other", "o"));
        }
        assertThat(scanAll(engine)).containsExactly(new KV("k", "value"), new KV("other", "o"));
        assertThat(engine.get(bytes("X"))).isNull();
    }

    /**
     * Every batch rewrites keys a..z with one value, the batch number. A reader that ever sees two
     * values in one scan saw part of a batch; one that sees the number go down saw an older state after
     * a newer one.
     */
    @Test
    void readersNeverSeePartOfABatch() throws Exception {
        StorageEngine engine = open();
        List<String> keys = IntStream.rangeClosed('a', 'z').mapToObj(c -> String.valueOf((char) c)).toList();
        engine.write(rewriteAll(keys, 0));
        int batches = 400;
        AtomicBoolean writing = new AtomicBoolean(true);
        ExecutorService readers = Executors.newFixedThreadPool(2);
        try {
            List<Future<Integer>> rounds = new ArrayList<>();
            for (int r = 0; r < 2; r++) {
                rounds.add(readers.submit(() -> readWhileWriting(engine, keys, writing)));
            }
            for (int i = 1; i <= batches; i++) {
                engine.write(rewriteAll(keys, i));
            }
            writing.set(false);
            int total = 0;
            for (Future<Integer> f : rounds) {
                total += f.get(60, TimeUnit.SECONDS);
            }
            assertThat(total).as("reader rounds").isGreaterThanOrEqualTo(10);
        } finally {
            writing.set(false);
            readers.shutdownNow();
        }
        assertThat(scanAll(engine)).extracting(KV::value).containsOnly(String.format("%06d", batches));
    }

    private static WriteBatch rewriteAll(List<String> keys, int n) {
        WriteBatch b = new WriteBatch();
        for (String k : keys) {
            b.put(bytes(k), bytes(String.format("%06d", n)));
        }
        return b;
    }

    private static int readWhileWriting(StorageEngine engine, List<String> keys, AtomicBoolean writing) {
        int last = -1;
        int rounds = 0;
        while (writing.get() || rounds < 5) {
            boolean reverse = rounds % 2 == 1;
            List<KV> seen;
            if (rounds % 3 == 2) {
                try (Snapshot snapshot = engine.snapshot()) {
                    seen = scan(snapshot, "", null, reverse, 0);
                }
            } else {
                seen = scan(engine, "", null, reverse, 0);
            }
            assertThat(seen).as("round %d", rounds).hasSize(keys.size());
            List<String> values = seen.stream().map(KV::value).distinct().toList();
            assertThat(values).as("values seen in one scan, round %d", rounds).hasSize(1);
            int n = Integer.parseInt(values.get(0));
            assertThat(n).as("batch seen after batch %d", last).isGreaterThanOrEqualTo(last);
            last = n;
            rounds++;
        }
        return rounds;
    }

    // ---------------------------------------------------------------------------------------------
    // Scans

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.tern.spi.storage.ContractCases#scanCases")
    void scanVisitsItsRangeInUnsignedOrder(ScanCase c) {
        StorageEngine engine = open();
        // One key per batch, in an order unlike the key order.
        List<String> shuffled = new ArrayList<>(ContractCases.SCAN_KEYS);
        Collections.shuffle(shuffled, new Random(42));
        for (String k : shuffled) {
            engine.write(batch(Op.put(k, "v:" + k)));
        }
        assertThat(scan(engine, c.from(), c.to(), c.reverse(), c.limit())).containsExactlyElementsOf(c.expected());
        try (Snapshot snapshot = engine.snapshot()) {
            assertThat(scan(snapshot, c.from(), c.to(), c.reverse(), c.limit()))
                    .as("on a snapshot").containsExactlyElementsOf(c.expected());
        }
    }

    @Test
    void aVisitorsExceptionReachesTheCallerAndTheEngineStaysUsable() {
        StorageEngine engine = open();
        engine.write(batch(Op.put("a", "1"), Op.put("b", "2"), Op.put("c", "3")));
        RuntimeException boom = new IllegalStateException("boom");
        try (Snapshot snapshot = engine.snapshot()) {
            for (ReadView view : List.of(engine, snapshot)) {
                for (boolean reverse : new boolean[] {false, true}) {
                    assertThatThrownBy(() -> view.scan(bytes("a"), null, reverse, (k, v) -> {
                        throw boom;
                    })).isSameAs(boom);
                }
            }
            assertThat(scanAll(snapshot)).hasSize(3);
        }
        engine.write(batch(Op.put("d", "4")));
        assertThat(scanAll(engine)).hasSize(4);
    }

    // ---------------------------------------------------------------------------------------------
    // Snapshots

    @Test
    void aSnapshotIgnoresLaterWritesAndDeletes() {
        StorageEngine engine = open();
        engine.write(batch(Op.put("a", "1"), Op.put("b", "2"), Op.put("c", "3")));
        try (Snapshot before = engine.snapshot()) {
            engine.write(batch(Op.put("a", "10"), Op.del("b"), Op.put("d", "4")));
            try (Snapshot after = engine.snapshot()) {
                engine.write(batch(Op.del("a"), Op.del("c"), Op.del("d")));

                List<KV> old = List.of(new KV("a", "1"), new KV("b", "2"), new KV("c", "3"));
                assertThat(scanAll(before)).containsExactlyElementsOf(old);
                assertThat(scan(before, "", null, true, 0)).containsExactly(old.get(2), old.get(1), old.get(0));
                assertThat(text(before.get(bytes("b")))).isEqualTo("2");
                assertThat(before.get(bytes("d"))).isNull();

                assertThat(scanAll(after)).containsExactly(new KV("a", "10"), new KV("c", "3"), new KV("d", "4"));
                assertThat(after.get(bytes("b"))).isNull();
                assertThat(scanAll(engine)).isEmpty();
            }
        }
    }

    @Test
    void aSnapshotStaysIntactThroughManyLaterBatchesAndSyncs() {
        StorageEngine engine = open();
        Random random = new Random(7);
        WriteBatch first = new WriteBatch();
        for (int i = 0; i < 2000; i++) {
            first.put(bytes(String.format("k%05d", i)), randomBytes(random, 100));
        }
        engine.write(first);
        List<KV> original = scanAll(engine);
        try (Snapshot snapshot = engine.snapshot()) {
            for (int round = 0; round < 6; round++) {
                WriteBatch churn = new WriteBatch();
                for (int i = round % 3; i < 2000; i += 3) {
                    churn.delete(bytes(String.format("k%05d", i)));
                }
                for (int i = 0; i < 2000; i += 2) {
                    churn.put(bytes(String.format("k%05d", i)), randomBytes(random, 100));
                }
                engine.write(churn);
                engine.sync();
            }
            assertThat(scanAll(snapshot)).isEqualTo(original);
            assertThat(scan(snapshot, "", null, true, 0)).hasSize(2000);
        }
    }

    @Test
    void closingASnapshotIsIdempotentAndEndsOnlyItsOwnReads() {
        StorageEngine engine = open();
        engine.write(batch(Op.put("a", "1")));
        Snapshot closed = engine.snapshot();
        try (Snapshot other = engine.snapshot()) {
            closed.close();
            closed.close();
            assertThatThrownBy(() -> closed.get(bytes("a"))).isInstanceOf(StorageException.class);
            assertThatThrownBy(() -> scanAll(closed)).isInstanceOf(StorageException.class);
            assertThat(text(other.get(bytes("a")))).isEqualTo("1");
        }
        assertThat(text(engine.get(bytes("a")))).isEqualTo("1");
    }

    @Test
    void closingTheEngineEndsItsSnapshots() {
        StorageEngine engine = open();
        engine.write(batch(Op.put("a", "1")));
        Snapshot snapshot = engine.snapshot();
        engine.close();
        assertThatThrownBy(() -> snapshot.get(bytes("a"))).isInstanceOf(StorageException.class);
        assertThatThrownBy(() -> scanAll(snapshot)).isInstanceOf(StorageException.class);
        snapshot.close();
    }

    // ---------------------------------------------------------------------------------------------
    // WriteBatch.over: a writer reading its own pending batch over the engine

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.tern.spi.storage.ContractCases#overlayCases")
    void pendingMutationsReadOverTheEngine(OverlayCase c) {
        StorageEngine engine = open();
        engine.write(batch(ContractCases.OVERLAY_STORED));
        WriteBatch pending = batch(ContractCases.OVERLAY_PENDING);
        ReadView view = pending.over(engine);
        for (KV kv : ContractCases.OVERLAY_GETS) {
            byte[] v = view.get(bytes(kv.key()));
            assertThat(v == null ? null : text(v)).as("get %s", kv.key()).isEqualTo(kv.value());
        }
        assertThat(scan(view, c.from(), c.to(), c.reverse(), c.limit())).containsExactlyElementsOf(c.expected());

        // Writing the batch makes the engine read as the view did.
        List<KV> merged = scanAll(view);
        engine.write(pending);
        assertThat(scanAll(engine)).isEqualTo(merged);
    }

    // ---------------------------------------------------------------------------------------------
    // Checkpoint and restore

    @Test
    void aRestoredCheckpointHoldsTheContentsAtCheckpointTime() {
        StorageEngine engine = open();
        WriteBatch b = new WriteBatch();
        for (int i = 0; i < 300; i++) {
            b.put(bytes("key" + i), bytes("v1-" + i));
        }
        engine.write(b);
        engine.write(batch(Op.del("key7"), Op.put("key8", "v2-8")));
        List<KV> atCheckpoint = scanAll(engine);

        Path checkpoint = tmp.resolve("checkpoints").resolve("first");
        engine.checkpoint(checkpoint);
        engine.write(batch(Op.put("key0", "later"), Op.del("key1"), Op.put("later", "x")));

        Path restored = tmp.resolve("restored");
        provider().restore(checkpoint, restored, CONTEXT);
        StorageEngine copy = open(restored);
        assertThat(scanAll(copy)).isEqualTo(atCheckpoint);

        copy.write(batch(Op.put("copy-only", "y")));
        assertThat(engine.get(bytes("copy-only"))).isNull();
        assertThat(text(engine.get(bytes("later")))).isEqualTo("x");
        assertThat(text(copy.get(bytes("copy-only")))).isEqualTo("y");
    }

    @Test
    void checkpointRefusesATargetThatExists() throws IOException {
        StorageEngine engine = open();
        engine.write(batch(Op.put("a", "1")));
        Path target = Files.createDirectories(tmp.resolve("taken"));
        Files.writeString(target.resolve("keep.txt"), "keep");
        assertThatThrownBy(() -> engine.checkpoint(target))
                .isInstanceOf(StorageException.class)
                .hasMessageContaining(target.toString());
        assertThat(listing(target)).containsExactly("keep.txt");
        assertThat(text(engine.get(bytes("a")))).isEqualTo("1");
    }

    @Test
    void restoreReplacesWhatTheDirectoryHeld() {
        Path target = tmp.resolve("target");
        StorageEngine stale = open(target);
        stale.write(batch(Op.put("stale", "1")));
        stale.close();

        StorageEngine source = open(tmp.resolve("source"));
        source.write(batch(Op.put("fresh", "2")));
        Path checkpoint = tmp.resolve("checkpoint");
        source.checkpoint(checkpoint);

        provider().restore(checkpoint, target, CONTEXT);
        assertThat(scanAll(open(target))).containsExactly(new KV("fresh", "2"));
    }

    @Test
    void restoreFromAMissingCheckpointLeavesTheDirectoryAlone() throws IOException {
        StorageEngine source = open(tmp.resolve("source"));
        source.write(batch(Op.put("a", "1")));
        Path checkpoint = tmp.resolve("checkpoint");
        source.checkpoint(checkpoint);
        Path dir = tmp.resolve("data");
        provider().restore(checkpoint, dir, CONTEXT);
        List<String> before = listing(dir);

        assertThatThrownBy(() -> provider().restore(tmp.resolve("no-such-checkpoint"), dir, CONTEXT))
                .isInstanceOf(StorageException.class)
                .hasMessageContaining("no-such-checkpoint");
        assertThat(listing(dir)).isEqualTo(before);
        assertThat(scanAll(open(dir))).containsExactly(new KV("a", "1"));
    }

    /**
     * A restore that stops half-way (here the {@code applySnapshotMidway} failpoint throws; in a member it may
     * halt the process) leaves the directory holding the store it held, whole, and a later restore completes.
     */
    @Test
    void aRestoreInterruptedMidwayLeavesTheDirectoryAsItWas() throws IOException {
        assumePersistent();
        Path dir = tmp.resolve("data");
        StorageEngine stale = open(dir);
        stale.write(batch(Op.put("stale", "1")));
        stale.close();
        StorageEngine source = open(tmp.resolve("source"));
        for (int i = 0; i < 100; i++) {
            source.write(batch(Op.put("fresh" + i, "2")));
        }
        Path checkpoint = tmp.resolve("checkpoint");
        source.checkpoint(checkpoint);
        List<String> before = listing(dir);
        Failpoints interrupt = name -> name == Failpoints.Name.APPLY_SNAPSHOT_MIDWAY ? () -> {
            throw new IllegalStateException("interrupted midway");
        } : Failpoint.OFF;

        assertThatThrownBy(() -> provider().restore(checkpoint, dir, new StorageContext("contract", n -> { },
                interrupt))).hasMessageContaining("interrupted midway");
        assertThat(listing(dir)).isEqualTo(before);
        try (StorageEngine kept = provider().create(new StorageConfig(dir, options()), CONTEXT)) {
            assertThat(scanAll(kept)).containsExactly(new KV("stale", "1"));
        }

        provider().restore(checkpoint, dir, CONTEXT);
        assertThat(scanAll(open(dir))).hasSize(100);
    }

    // ---------------------------------------------------------------------------------------------
    // Persistence (persistent engines only)

    @Test
    void syncedBatchesSurviveCloseAndReopen() {
        assumePersistent();
        Path dir = tmp.resolve("data");
        StorageEngine engine = open(dir);
        engine.write(batch(Op.put("a", "1"), Op.put("b", "2")));
        engine.write(batch(Op.del("a"), Op.put("c", "3")));
        engine.sync();
        engine.close();
        assertThat(scanAll(open(dir))).containsExactly(new KV("b", "2"), new KV("c", "3"));
    }

    @Test
    void aCleanCloseKeepsBatchesWrittenWithoutSync() {
        assumePersistent();
        Path dir = tmp.resolve("data");
        List<KV> expected = new ArrayList<>();
        for (int cycle = 0; cycle < 3; cycle++) {
            StorageEngine engine = open(dir);
            assertThat(scanAll(engine)).as("cycle %d", cycle).isEqualTo(expected);
            engine.write(batch(Op.put("cycle" + cycle, "v" + cycle), Op.del("cycle" + (cycle - 1))));
            engine.close();
            expected = List.of(new KV("cycle" + cycle, "v" + cycle));
        }
        assertThat(scanAll(open(dir))).isEqualTo(expected);
    }

    @Test
    void aSecondOpenOfAnOpenDirectoryFails() {
        assumePersistent();
        Path dir = tmp.resolve("data");
        StorageEngine engine = open(dir);
        engine.write(batch(Op.put("a", "1")));
        assertThatThrownBy(() -> open(dir)).isInstanceOf(StorageException.class);
        assertThat(text(engine.get(bytes("a")))).isEqualTo("1");
    }

    private void assumePersistent() {
        Assumptions.assumeTrue(persistent(), "the engine does not keep data across close");
    }

    // ---------------------------------------------------------------------------------------------
    // Sizes

    /**
     * The sizes follow each written batch at once, before any sync or commit of the engine's own: the backend
     * quota reads them to refuse a write, and a burst of writes within one commit interval must count.
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void statsGrowWithWrittenData(boolean synced) {
        StorageEngine engine = open();
        StorageStats before = engine.stats();
        Random random = new Random(1);
        for (int i = 0; i < 16; i++) {
            WriteBatch b = new WriteBatch();
            b.put(bytes("blob" + i), randomBytes(random, 64 * 1024));
            engine.write(b);
        }
        if (synced) {
            engine.sync();
        }
        StorageStats after = engine.stats();
        long half = 512 * 1024;
        assertThat(after.totalBytes()).as("total after 1 MiB").isGreaterThanOrEqualTo(before.totalBytes() + half);
        assertThat(after.inUseBytes()).as("in use after 1 MiB").isGreaterThanOrEqualTo(before.inUseBytes() + half);
        assertThat(after.inUseBytes()).isLessThanOrEqualTo(after.totalBytes());
    }

    @Test
    void defragmentKeepsTheContentsAndGivesBackTheSpaceOfDeletedEntries() {
        StorageEngine engine = open();
        long full = writeBlobsOneByOne(engine, new Random(3), 256);
        deleteBlobsBut(engine, 256, 32);
        List<KV> kept = scanAll(engine);

        engine.defragment();

        assertThat(scanAll(engine)).isEqualTo(kept).hasSize(8);
        assertThat(engine.stats().totalBytes()).as("bytes after deleting 31/32 of %d and defragmenting", full)
                .isLessThan(full / 2);
        engine.write(batch(Op.put("after", "defragment")));
        assertThat(engine.get(bytes("after"))).isEqualTo(bytes("defragment"));
    }

    /**
     * Deletes written just before a defragment, not yet synced or committed by the engine's own schedule, are
     * space the defragment gives back (an operator compacts, then defragments at once).
     */
    @Test
    void defragmentRightAfterDeletesGivesBackTheirSpace() {
        StorageEngine engine = open();
        long full = writeBlobsOneByOne(engine, new Random(11), 256);
        engine.write(blobDeletes(256, 32));

        engine.defragment();

        assertThat(engine.stats().totalBytes()).as("bytes after deleting 31/32 of %d and defragmenting at once", full)
                .isLessThan(full / 2);
        assertThat(scanAll(engine)).hasSize(8);
    }

    /** Deletes, in one batch, every {@code blobNNN} of {@code count} but each {@code keepEvery}-th; then syncs. */
    private static void deleteBlobsBut(StorageEngine engine, int count, int keepEvery) {
        engine.write(blobDeletes(count, keepEvery));
        engine.sync();
    }

    /** One batch deleting every {@code blobNNN} of {@code count} but each {@code keepEvery}-th. */
    private static WriteBatch blobDeletes(int count, int keepEvery) {
        WriteBatch deletes = new WriteBatch();
        for (int i = 0; i < count; i++) {
            if (i % keepEvery != 0) {
                deletes.delete(bytes(String.format("blob%03d", i)));
            }
        }
        return deletes;
    }

    /** Writes {@code count} random 64 KiB {@code blobNNN} values, a batch each, syncs, and returns the total bytes. */
    private static long writeBlobsOneByOne(StorageEngine engine, Random random, int count) {
        for (int i = 0; i < count; i++) {
            engine.write(batch(Op.put(String.format("blob%03d", i), text(randomBytes(random, 64 * 1024)))));
        }
        engine.sync();
        return engine.stats().totalBytes();
    }

    /**
     * A file written by one big batch shrinks while writes go on: an engine that rewrites or moves its file in
     * bounded steps must still reach data stored in one piece bigger than a step.
     */
    @Test
    void defragmentGivesBackTheSpaceOfOneBigBatchWhileWritesGoOn() throws Exception {
        StorageEngine engine = open();
        Random random = new Random(7);
        WriteBatch big = new WriteBatch();
        for (int i = 0; i < 512; i++) {
            big.put(bytes(String.format("blob%03d", i)), randomBytes(random, 64 * 1024));
        }
        engine.write(big);
        engine.sync();
        long full = engine.stats().totalBytes();
        deleteBlobsBut(engine, 512, 4);
        List<KV> kept = scanAll(engine);
        writeWhileDefragmenting(engine);
        engine.sync();
        assertThat(engine.stats().totalBytes()).as("bytes after deleting 3/4 of %d and defragmenting", full)
                .isLessThan(full / 2);
        assertThat(scan(engine, "blob", "blob~", false, 0)).isEqualTo(kept).hasSize(128);
    }

    @Test
    void writesAndSnapshotsGoOnWhileDefragmentRuns() throws Exception {
        StorageEngine engine = open();
        Random random = new Random(5);
        for (int i = 0; i < 4000; i++) {
            engine.write(batch(Op.put(String.format("k%05d", i), text(randomBytes(random, 1000)))));
            if (i % 2 == 1) {
                engine.write(batch(Op.del(String.format("k%05d", i - 1))));
            }
        }
        List<KV> before = scanAll(engine);
        try (Snapshot snapshot = engine.snapshot()) {
            writeWhileDefragmenting(engine);
            assertThat(scanAll(snapshot)).isEqualTo(before);
        }
    }

    /**
     * Writes {@code wNNNNNN} keys one batch at a time while a defragment runs on another thread, until it has
     * ended and at least 100 are written; then every one must read back.
     */
    private static void writeWhileDefragmenting(StorageEngine engine) throws Exception {
        ExecutorService defrag = Executors.newSingleThreadExecutor();
        try {
            Future<?> done = defrag.submit(engine::defragment);
            int written = 0;
            while ((!done.isDone() || written < 100) && written < 1_000_000) {
                engine.write(batch(Op.put(String.format("w%06d", written), "v" + written)));
                written++;
            }
            done.get(2, TimeUnit.MINUTES);
            for (int i = 0; i < written; i++) {
                assertThat(engine.get(bytes(String.format("w%06d", i)))).isEqualTo(bytes("v" + i));
            }
        } finally {
            defrag.shutdownNow();
        }
    }

    @Test
    void aValueOfOneAndAHalfMebibytesRoundTrips() {
        Path dir = tmp.resolve("data");
        StorageEngine engine = open(dir);
        byte[] big = randomBytes(new Random(3), 1536 * 1024);
        WriteBatch b = batch(Op.put("a", "before"), Op.put("c", "after"));
        b.put(bytes("big"), big);
        engine.write(b);
        assertThat(engine.get(bytes("big"))).isEqualTo(big);
        List<byte[]> scanned = new ArrayList<>();
        engine.scan(bytes("b"), bytes("c"), true, (k, v) -> scanned.add(v));
        assertThat(scanned).containsExactly(big);
        try (Snapshot snapshot = engine.snapshot()) {
            engine.write(batch(Op.put("big", "small")));
            assertThat(snapshot.get(bytes("big"))).isEqualTo(big);
        }
        assertThat(text(engine.get(bytes("big")))).isEqualTo("small");
        if (persistent()) {
            WriteBatch again = new WriteBatch();
            again.put(bytes("big"), big);
            engine.write(again);
            engine.sync();
            engine.close();
            assertThat(open(dir).get(bytes("big"))).isEqualTo(big);
        }
    }

    @Test
    void tenThousandKeysScanInOrder() {
        StorageEngine engine = open();
        List<String> keys = IntStream.range(0, 10_000).mapToObj(i -> String.format("key-%05d", i)).toList();
        for (int part = 9; part >= 0; part--) {
            WriteBatch b = new WriteBatch();
            for (int i = part; i < keys.size(); i += 10) {
                b.put(bytes(keys.get(i)), bytes("v" + i));
            }
            engine.write(b);
        }
        assertThat(scanAll(engine)).extracting(KV::key).containsExactlyElementsOf(keys);
        List<String> descending = new ArrayList<>(keys);
        Collections.reverse(descending);
        assertThat(scan(engine, "", null, true, 0)).extracting(KV::key).containsExactlyElementsOf(descending);

        WriteBatch evens = new WriteBatch();
        for (int i = 0; i < keys.size(); i += 2) {
            evens.delete(bytes(keys.get(i)));
        }
        engine.write(evens);
        assertThat(scanAll(engine)).hasSize(5_000);
        assertThat(scan(engine, "key-01000", "key-02000", false, 0))
                .extracting(KV::key)
                .hasSize(500)
                .allSatisfy(k -> assertThat(Integer.parseInt(k.substring(4)) % 2).isEqualTo(1));
        assertThat(text(engine.get(bytes("key-00001")))).isEqualTo("v1");
        assertThat(engine.get(bytes("key-00002"))).isNull();
    }

    // ---------------------------------------------------------------------------------------------
    // Lifecycle and directories

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.tern.spi.storage.ContractCases#callsAfterClose")
    void callsOnAClosedEngineFail(ClosedCall c) {
        StorageEngine engine = open();
        engine.write(batch(Op.put("a", "1")));
        engine.close();
        engine.close();
        assertThatThrownBy(() -> c.call().accept(engine, tmp))
                .isInstanceOf(StorageException.class)
                .hasMessageContaining("closed");
        assertThat(tmp.resolve("checkpoint")).doesNotExist();
    }

    @Test
    void aMissingDirectoryIsCreated() {
        Path dir = tmp.resolve("a").resolve("b").resolve("c");
        StorageEngine engine = open(dir);
        engine.write(batch(Op.put("a", "1")));
        assertThat(dir).isDirectory();
        assertThat(text(engine.get(bytes("a")))).isEqualTo("1");
    }

    @Test
    void aDirectoryHoldingForeignFilesIsRefused() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("foreign"));
        Files.writeString(dir.resolve("foreign.dat"), "not a storage engine's file");
        assertThatThrownBy(() -> open(dir))
                .isInstanceOf(StorageException.class)
                .hasMessageContaining(dir.toString());
        assertThat(listing(dir)).containsExactly("foreign.dat");
        assertThat(dir.resolve("foreign.dat")).hasContent("not a storage engine's file");
    }

    private static List<String> listing(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
