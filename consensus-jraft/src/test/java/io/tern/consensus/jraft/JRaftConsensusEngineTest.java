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
            for (LogEntry e : entries) {
                assertThat(e.index()).as("entries arrive after the durable index").isGreaterThan(durableIndex);
                String cmd = new String(e.data(), StandardCharsets.UTF_8);
                if (cmd.equals("boom")) {
                    throw new IllegalStateException("cannot apply " + cmd);
                }
                applied.add(cmd);
                results.add("applied:" + cmd + "@" + e.index());
                durableIndex = e.index();
            }
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
        public void saveSnapshot(Path dir) {
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
        PeerAddress self = new PeerAddress("127.0.0.1", port);
        return new ConsensusConfig("m1", self, self, dir, List.of(self),
                Duration.ofMillis(100), Duration.ofMillis(1000), 0, Duration.ofSeconds(10));
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
            for (int i = 0; i < futures.size(); i++) {
                assertThat((String) futures.get(i).get(10, TimeUnit.SECONDS)).startsWith("applied:c" + i + "@");
            }
            assertThat(sm.applied).hasSize(2000);
            assertThat(sm.applied.get(1999)).isEqualTo("c1999");
            assertThat(sm.batchSizes.stream().mapToInt(Integer::intValue).max().orElse(0))
                    .as("concurrent proposals are applied in shared batches").isGreaterThan(1);
            engine.readBarrier().get(10, TimeUnit.SECONDS);
            var status = engine.status();
            assertThat(status.appliedIndex()).isGreaterThanOrEqualTo(2000);
            assertThat(status.term()).isPositive();
            assertThat(engine.term()).isEqualTo(status.term());
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
}
