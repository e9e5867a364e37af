package io.tern.consensus.jraft;

import io.tern.spi.consensus.ConsensusConfig;
import io.tern.spi.consensus.ConsensusEngine;
import io.tern.spi.consensus.LogEntry;
import io.tern.spi.consensus.PeerAddress;
import io.tern.spi.consensus.PeerCalls;
import io.tern.spi.consensus.StateMachine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** A one-member jraft group driving a recording state machine: order, results, batching, replay. */
class JRaftConsensusEngineTest {

    /** Records applied commands; {@code durableIndex} plays the store's persisted applied index. */
    static final class Recorder implements StateMachine {
        final List<String> applied = new CopyOnWriteArrayList<>();
        final List<Integer> batchSizes = new CopyOnWriteArrayList<>();
        volatile long durableIndex;
        volatile int snapshotsLoaded;
        /** What {@link #persist} made durable: a restart after a crash starts from here. */
        volatile long persistedIndex;
        volatile int checkpointsWritten;

        Recorder(long durableIndex) {
            this.durableIndex = durableIndex;
        }

        @Override
        public long appliedIndex() {
            return durableIndex;
        }

        @Override
        public List<Object> apply(List<LogEntry> entries) {
            batchSizes.add(entries.size());
            List<Object> results = new ArrayList<>();
            long last = durableIndex;
            for (LogEntry e : entries) {
                assertThat(e.index()).as("entries arrive after the durable index").isGreaterThan(durableIndex);
                assertThat(e.index()).as("indexes never go back (a pack's commands share one)").isGreaterThanOrEqualTo(last);
                String cmd = new String(e.data(), StandardCharsets.UTF_8);
                if (cmd.equals("boom")) {
                    throw new IllegalStateException("cannot apply " + cmd);
                }
                results.add("applied:" + cmd + "@" + e.index());
                last = e.index();
            }
            // The batch's effects and its last index at once, as the contract asks.
            entries.forEach(e -> applied.add(new String(e.data(), StandardCharsets.UTF_8)));
            durableIndex = last;
            return results;
        }

        @Override
        public CompletableFuture<byte[]> encodeResult(Object result) {
            return CompletableFuture.completedFuture(((String) result).getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public Object decodeResult(byte[] encoded) {
            return new String(encoded, StandardCharsets.UTF_8);
        }

        @Override
        public void persist() {
            persistedIndex = durableIndex;
        }

        @Override
        public void saveSnapshot(Path dir) {
            checkpointsWritten++;
            try {
                Files.createDirectories(dir);
                Files.writeString(dir.resolve("index"), Long.toString(durableIndex));
                Files.write(dir.resolve("applied"), applied);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        @Override
        public void loadSnapshot(Path dir) {
            try {
                snapshotsLoaded++;
                applied.clear();
                applied.addAll(Files.readAllLines(dir.resolve("applied")));
                durableIndex = Long.parseLong(Files.readString(dir.resolve("index")));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static ConsensusConfig config(Path dir, int port) {
        return config(dir, port, 0);
    }

    static ConsensusConfig config(Path dir, int port, long snapshotCount) {
        PeerAddress self = new PeerAddress("127.0.0.1", port);
        return new ConsensusConfig("m1", self, self, dir, List.of(self),
                Duration.ofMillis(100), Duration.ofMillis(1000), snapshotCount, Duration.ofSeconds(10), java.util.Optional.empty());
    }

    /** The files of the newest raft snapshot under {@code dir}, relative to its directory; empty if none. */
    static List<String> newestSnapshotFiles(Path dir) throws IOException {
        Path root = dir.resolve("snapshot");
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (var snaps = Files.list(root)) {
            var newest = snaps.filter(p -> p.getFileName().toString().startsWith("snapshot_"))
                    .max(java.util.Comparator.comparingLong(
                            p -> Long.parseLong(p.getFileName().toString().substring("snapshot_".length()))));
            if (newest.isEmpty()) {
                return List.of();
            }
            try (var files = Files.walk(newest.get())) {
                return files.filter(Files::isRegularFile).map(f -> newest.get().relativize(f).toString()).sorted().toList();
            }
        }
    }

    /**
     * Runs a one-member group with --snapshot-count 20, proposes c0..c49, waits until a snapshot has
     * been taken and the store persisted for it, and stops; returns the state machine.
     */
    private static Recorder runPastASnapshot(Path dir, int port) throws Exception {
        Recorder sm = new Recorder(0);
        try (ConsensusEngine engine = new JRaftConsensusProvider().create(config(dir, port, 20), sm, PeerCalls.NONE)) {
            engine.start();
            awaitLeader(engine);
            for (int i = 0; i < 50; i++) {
                engine.propose(("c" + i).getBytes(StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (newestSnapshotFiles(dir).isEmpty() || sm.persistedIndex == 0) {
                assertThat(System.nanoTime()).as("a snapshot is taken in time").isLessThan(deadline);
                Thread.sleep(20);
            }
        }
        return sm;
    }

    static void awaitLeader(ConsensusEngine engine) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!engine.status().isLeader()) {
            assertThat(System.nanoTime()).as("leader elected in time").isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    @Test
    void proposalsApplyInOrderWithTheirResultsAndShareBatches(@TempDir Path dir) throws Exception {
        int port = freePort();
        Recorder sm = new Recorder(0);
        try (ConsensusEngine engine = new JRaftConsensusProvider().create(config(dir, port), sm, PeerCalls.NONE)) {
            engine.start();
            awaitLeader(engine);
            List<CompletableFuture<Object>> futures = new ArrayList<>();
            for (int i = 0; i < 2000; i++) {
                futures.add(engine.propose(("c" + i).getBytes(StandardCharsets.UTF_8)));
            }
            long lastIndex = 0;
            for (int i = 0; i < futures.size(); i++) {
                String result = (String) futures.get(i).get(10, TimeUnit.SECONDS);
                assertThat(result).startsWith("applied:c" + i + "@");
                long index = Long.parseLong(result.substring(result.indexOf('@') + 1));
                assertThat(index).as("entries are applied in the order proposed").isGreaterThanOrEqualTo(lastIndex);
                lastIndex = index;
            }
            assertThat(sm.applied).hasSize(2000);
            assertThat(sm.applied.get(1999)).isEqualTo("c1999");
            assertThat(lastIndex).as("2,000 proposals at once are packed into far fewer log entries").isLessThan(500);
            assertThat(sm.batchSizes.stream().mapToInt(Integer::intValue).max().orElse(0))
                    .as("concurrent proposals are applied in shared batches").isGreaterThan(1);
            engine.readBarrier().get(10, TimeUnit.SECONDS);
            var status = engine.status();
            assertThat(status.appliedIndex()).isGreaterThanOrEqualTo(lastIndex);
            assertThat(status.term()).isPositive();
            assertThat(engine.term()).isEqualTo(status.term());
        }
    }

    /** As many proposals as the window holds go at once, each its own entry: none waits for another. */
    @Test
    void proposalsWithinTheWindowAreNotHeldBack(@TempDir Path dir) throws Exception {
        int port = freePort();
        Recorder sm = new Recorder(0);
        try (ConsensusEngine engine = new JRaftConsensusProvider().create(config(dir, port), sm, PeerCalls.NONE)) {
            engine.start();
            awaitLeader(engine);
            engine.readBarrier().get(10, TimeUnit.SECONDS);
            List<CompletableFuture<Object>> futures = new ArrayList<>();
            for (int i = 0; i < Packer.WINDOW; i++) {
                futures.add(engine.propose(("w" + i).getBytes(StandardCharsets.UTF_8)));
            }
            java.util.Set<String> indexes = new java.util.HashSet<>();
            for (CompletableFuture<Object> f : futures) {
                String result = (String) f.get(10, TimeUnit.SECONDS);
                indexes.add(result.substring(result.indexOf('@') + 1));
            }
            assertThat(indexes).hasSize(Packer.WINDOW);
        }
    }

    @Test
    void aFailingApplyFailsTheProposalInsteadOfHangingOrLooping(@TempDir Path dir) throws Exception {
        int port = freePort();
        Recorder sm = new Recorder(0);
        try (ConsensusEngine engine = new JRaftConsensusProvider().create(config(dir, port), sm, PeerCalls.NONE)) {
            engine.start();
            awaitLeader(engine);
            engine.propose("ok".getBytes(StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS);
            Throwable failure = org.assertj.core.api.Assertions.catchThrowable(() ->
                    engine.propose("boom".getBytes(StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS));
            assertThat(failure).isInstanceOf(java.util.concurrent.ExecutionException.class);
            assertThat(failure.getCause()).isInstanceOf(io.tern.spi.consensus.ConsensusException.class);
            Thread.sleep(500);
            assertThat(sm.batchSizes).as("the failing batch is not retried forever").hasSizeLessThan(5);
        }
    }

    @Test
    void restartReplaysOnlyWhatTheStoreLacks(@TempDir Path dir) throws Exception {
        int port = freePort();
        Recorder first = new Recorder(0);
        try (ConsensusEngine engine = new JRaftConsensusProvider().create(config(dir, port), first, PeerCalls.NONE)) {
            engine.start();
            awaitLeader(engine);
            for (int i = 0; i < 10; i++) {
                engine.propose(("c" + i).getBytes(StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS);
            }
        }
        // The log has a configuration entry then c0..c9; pretend the store kept everything up to c6.
        long c6 = first.durableIndex - 3;
        Recorder second = new Recorder(c6);
        try (ConsensusEngine engine = new JRaftConsensusProvider().create(config(dir, port), second, PeerCalls.NONE)) {
            engine.start();
            awaitLeader(engine);
            engine.readBarrier().get(10, TimeUnit.SECONDS);
            assertThat(second.applied).as("a linearizable read waits for the replay").containsExactly("c7", "c8", "c9");
            engine.propose("c10".getBytes(StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS);
            assertThat(second.applied).containsExactly("c7", "c8", "c9", "c10");
        }
    }

    @Test
    void aSnapshotMakesTheStoreDurableAndCopiesNothing(@TempDir Path dir) throws Exception {
        int port = freePort();
        Recorder first = runPastASnapshot(dir, port);
        assertThat(newestSnapshotFiles(dir)).as("only jraft's metadata: the store is the snapshot")
                .containsExactly("__raft_snapshot_meta");
        assertThat(first.checkpointsWritten).as("no follower asked for a copy").isZero();
        // After a crash the store comes back as persisted; the log after the snapshot is replayed onto it.
        Recorder second = new Recorder(first.persistedIndex);
        try (ConsensusEngine engine = new JRaftConsensusProvider().create(config(dir, port, 20), second, PeerCalls.NONE)) {
            engine.start();
            awaitLeader(engine);
            engine.propose("after".getBytes(StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS);
            assertThat(second.snapshotsLoaded).as("the store already holds the snapshot").isZero();
            assertThat(second.applied).last().isEqualTo("after");
            assertThat(second.durableIndex).isGreaterThan(first.durableIndex);
        }
    }

    @Test
    void aStoreBehindItsOwnSnapshotRefusesToStart(@TempDir Path dir) throws Exception {
        int port = freePort();
        runPastASnapshot(dir, port);
        Recorder lost = new Recorder(0);
        try (ConsensusEngine engine = new JRaftConsensusProvider().create(config(dir, port, 20), lost, PeerCalls.NONE)) {
            assertThat(org.assertj.core.api.Assertions.catchThrowable(engine::start))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("the store was lost or rolled back");
            assertThat(lost.applied).as("nothing replayed onto a store with a gap").isEmpty();
        }
    }
}
