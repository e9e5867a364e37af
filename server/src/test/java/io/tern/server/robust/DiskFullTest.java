package io.tern.server.robust;

import static io.tern.server.robust.Workload.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.grpc.Status;
import io.tern.server.ClusterHarness;
import io.tern.server.history.RevisionLog;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A member's disk fills up (its data directory is a small tmpfs, filled by a file) while a recorded workload
 * writes. The member must not acknowledge a write it could not persist: a write to a lone member fails with an
 * error; in three members the majority goes on serving. Once the space is freed and the member restarted, the
 * final revision log read from that member holds every acknowledged write and nothing invented.
 */
class DiskFullTest {
    private static final String PREFIX = "/robust/";
    private static final Duration LIMIT = Duration.ofSeconds(60);
    private static final int DISK_MB = 64;
    /**
     * How long a probe put refused as unavailable is sent again, as etcd's clients do: an election may replace a
     * leader whose disk filled, and on a busy host one may come at any time.
     */
    private static final Duration ELECTION_RETRIES = Duration.ofSeconds(20);

    record Scenario(String engine, int members) {
        @Override
        public String toString() {
            return engine + ", " + members + " member" + (members == 1 ? "" : "s");
        }
    }

    /** One member of three in CI; {@code -Dtern.failpoints.all=true} runs both engines, alone and of three. */
    static Stream<Scenario> scenarios() {
        Stream<Scenario> all = Stream.of(new Scenario("mvstore", 3), new Scenario("rocksdb", 1),
                new Scenario("mvstore", 1), new Scenario("rocksdb", 3));
        return all.limit(FailpointRuns.ALL ? 4 : 1);
    }

    @ParameterizedTest
    @MethodSource("scenarios")
    void aFullDiskLosesNoAcknowledgedWriteAndTheMemberRecoversOnceSpaceIsFreed(Scenario s, @TempDir Path dir)
            throws Exception {
        String full = "m" + s.members();
        List<String> others = new ArrayList<>();
        for (int i = 1; i < s.members(); i++) {
            others.add("m" + i);
        }
        try (SmallDisk disk = SmallDisk.mount(dir.resolve(full), DISK_MB);
             ClusterHarness cluster = ClusterHarness.start(dir, s.engine(), s.members(), Map.of())) {
            Workload workload = new Workload(PREFIX, 5, 4, 1, Duration.ofSeconds(5));
            Workload.Run run = workload.start(() -> FailpointRuns.connect(cluster), 1);
            Thread.sleep(1000);
            long filled = disk.fill();
            System.out.printf("%s: filled %s's disk with %d bytes%n", s, full, filled);

            Probe probe = others.isEmpty() ? Probe.run(cluster, List.of(full), 20, Duration.ZERO)
                    : Probe.run(cluster, others, 20, ELECTION_RETRIES);
            System.out.printf("%s: while full, %s%n", s, probe);
            if (others.isEmpty()) {
                assertThat(probe.refused()).as("a lone member with a full disk refuses writes: %s", probe)
                        .isNotEmpty();
            } else {
                assertThat(probe.acknowledged()).as("the majority serves while one disk is full: %s", probe)
                        .containsExactlyElementsOf(Probe.keys(0, probe.attempts()));
            }

            disk.free();
            if (cluster.process(full).isAlive()) {
                cluster.kill(full);
            }
            cluster.restart(full);
            cluster.awaitServing(full, LIMIT);
            Thread.sleep(2000);
            Workload.Recording recording = run.stop();
            RevisionLog log;
            try (Client reader = FailpointRuns.connect(cluster, full)) {
                log = FinalLog.read(reader, PREFIX, LIMIT);
            }
            FailpointRuns.check("disk full, " + s, recording, log);
            try (Client c = FailpointRuns.connect(cluster, full)) {
                KV kv = c.getKVClient();
                for (String key : probe.acknowledged()) {
                    assertThat(kv.get(bytes(key)).get(10, TimeUnit.SECONDS).getKvs())
                            .as("acknowledged probe %s", key).hasSize(1);
                }
            }
        }
    }

    /**
     * Puts of 4 KiB values under {@code /probe/} through {@code members}, one after another. A put refused as
     * unavailable ({@code leader changed}, {@code no leader}) is sent again for up to {@code retryFor}; each
     * such refusal is kept in {@code retried}.
     */
    record Probe(int attempts, List<String> acknowledged, List<String> refused, List<String> unanswered,
                 List<String> retried) {
        static List<String> keys(int from, int to) {
            return java.util.stream.IntStream.range(from, to).mapToObj(i -> "/probe/" + i).toList();
        }

        static Probe run(ClusterHarness cluster, List<String> members, int attempts, Duration retryFor)
                throws InterruptedException {
            List<String> ok = new ArrayList<>();
            List<String> refused = new ArrayList<>();
            List<String> unanswered = new ArrayList<>();
            List<String> retried = new ArrayList<>();
            byte[] value = new byte[4096];
            try (Client c = FailpointRuns.connect(cluster, members.toArray(String[]::new))) {
                for (int i = 0; i < attempts; i++) {
                    String key = "/probe/" + i;
                    long deadline = System.nanoTime() + retryFor.toNanos();
                    while (true) {
                        try {
                            c.getKVClient().put(bytes(key), io.etcd.jetcd.ByteSequence.from(value))
                                    .get(10, TimeUnit.SECONDS);
                            ok.add(key);
                        } catch (java.util.concurrent.ExecutionException e) {
                            Status status = Status.fromThrowable(e.getCause());
                            if (status.getCode() == Status.Code.UNAVAILABLE && System.nanoTime() < deadline) {
                                retried.add(key + ": " + status);
                                Thread.sleep(100);
                                continue;
                            }
                            refused.add(key + ": " + status);
                        } catch (java.util.concurrent.TimeoutException e) {
                            unanswered.add(key + ": " + e);
                        }
                        break;
                    }
                }
            }
            return new Probe(attempts, ok, refused, unanswered, retried);
        }
    }
}
