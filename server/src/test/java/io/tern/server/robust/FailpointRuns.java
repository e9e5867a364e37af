package io.tern.server.robust;

import static io.tern.server.robust.Workload.bytes;
import static io.tern.server.robust.Workload.text;
import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.options.GetOption;
import io.tern.server.ClusterHarness;
import io.tern.server.failpoint.FailpointAction;
import io.tern.server.failpoint.FailpointSettings;
import io.tern.server.history.CheckResult;
import io.tern.server.history.HistoryChecker;
import io.tern.server.history.Operation;
import io.tern.server.history.Outcome;
import io.tern.server.history.RevisionLog;
import io.tern.spi.failpoint.Failpoints;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Stream;

/** What the failpoint runs share: enabling a point on a member's JVM, waiting for its crash, the history check. */
final class FailpointRuns {
    /** Entries between raft snapshots in these runs: small, so a member that misses a few falls behind the log. */
    static final int SNAPSHOT_ENTRIES = 50;
    static final String[] SNAPSHOT_COUNT = {"--snapshot-count", String.valueOf(SNAPSHOT_ENTRIES)};
    /** Keys written while a member is behind, and how many puts. */
    static final String FILL = "/fill/";
    static final int FILL_PUTS = 150;
    /** {@code -Dtern.failpoints.all=true}: every engine and size of each run, not the short CI selection. */
    static final boolean ALL = Boolean.getBoolean("tern.failpoints.all");

    private FailpointRuns() {
    }

    /** The JVM option that makes {@code point} crash the member. */
    static String crashAt(Failpoints.Name point) {
        return "-D" + FailpointSettings.PROPERTY + "=" + point.text() + "=crash";
    }

    /**
     * Waits until the member's process has halted at {@code point}: it exited with the crash status and
     * its log has the failpoint's line.
     */
    static void awaitCrash(ClusterHarness cluster, String member, Failpoints.Name point, Duration limit)
            throws Exception {
        Process p = cluster.process(member);
        assertThat(p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS))
                .as("%s did not reach failpoint %s within %s; log:%n%s", member, point, limit, cluster.logTail(member))
                .isTrue();
        assertThat(p.exitValue()).as("%s's exit status; log:%n%s", member, cluster.logTail(member))
                .isEqualTo(FailpointAction.Crash.EXIT_STATUS);
        assertThat(Files.readString(cluster.log(member)))
                .as("%s's log", member).contains("tern: failpoint " + point.text() + ": crash");
    }

    /** A jetcd client on the named members, every member when none is named. */
    static Client connect(ClusterHarness cluster, String... members) {
        return Client.builder().endpoints(cluster.endpoints(members).split(",")).build();
    }

    /**
     * Kills {@code member}, then writes {@value #FILL_PUTS} puts under {@value #FILL} (recording the last
     * values in {@code filled}) through the others and waits until each of them has taken a raft snapshot
     * past them, so their logs no longer hold what {@code member} lacks: it can catch up only by installing
     * a snapshot.
     */
    static void fallBehind(ClusterHarness cluster, String member, Map<String, String> filled) throws Exception {
        List<String> others = cluster.names().stream().filter(n -> !n.equals(member)).toList();
        cluster.kill(member);
        long index;
        try (Client c = connect(cluster, others.toArray(String[]::new))) {
            KV kv = c.getKVClient();
            for (int i = 0; i < FILL_PUTS; i++) {
                String key = FILL + (i % 30);
                String value = "v" + i;
                // The member just killed may have been the leader: the others need an election.
                io.tern.server.ThroughElections.await(() -> kv.put(bytes(key), bytes(value)));
                filled.put(key, value);
            }
            String url = cluster.node(others.get(0)).clientUrl();
            index = c.getMaintenanceClient().statusMember(url).get(10, TimeUnit.SECONDS).getRaftIndex();
        }
        for (String other : others) {
            Path snapshots = cluster.node(other).dir().resolve("member/raft/snapshot");
            awaitTrue(Duration.ofSeconds(30), () -> latestSnapshot(snapshots) >= index - SNAPSHOT_ENTRIES,
                    () -> other + " took no raft snapshot near index " + index + " (latest "
                            + latestSnapshot(snapshots) + ")");
        }
    }

    /** Waits until a serializable range of {@value #FILL} on {@code member} is {@code filled}. */
    static void awaitHolds(ClusterHarness cluster, String member, Map<String, String> filled, Duration limit)
            throws Exception {
        Map<String, String> seen = new LinkedHashMap<>();
        try (Client c = connect(cluster, member)) {
            awaitTrue(limit, () -> {
                seen.clear();
                try {
                    c.getKVClient().get(bytes(FILL), GetOption.builder().isPrefix(true).withSerializable(true).build())
                            .get(2, TimeUnit.SECONDS).getKvs()
                            .forEach(kv -> seen.put(text(kv.getKey()), text(kv.getValue())));
                } catch (Exception e) {
                    return false;
                }
                return seen.equals(filled);
            }, () -> member + " did not catch up: it holds " + seen.size() + " of " + filled.size()
                    + " filled keys; log:\n" + cluster.logTail(member));
        }
    }

    private static long latestSnapshot(Path snapshots) {
        if (!Files.isDirectory(snapshots)) {
            return -1;
        }
        try (Stream<Path> s = Files.list(snapshots)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("snapshot_"))
                    .mapToLong(n -> Long.parseLong(n.substring("snapshot_".length()))).max().orElse(-1);
        } catch (java.io.IOException e) {
            return -1;
        }
    }

    static void awaitTrue(Duration limit, BooleanSupplier condition, Supplier<String> failure)
            throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(failure.get());
            }
            Thread.sleep(200);
        }
    }

    /** Checks the recording against the log, prints a summary line, and fails on any violation. */
    static CheckResult check(String run, Workload.Recording recording, RevisionLog log) {
        CheckResult result = HistoryChecker.check(recording.recorder().history(recording.watchers(),
                Optional.of(log)));
        long ok = recording.recorder().operations().stream().filter(o -> o.outcome() instanceof Outcome.Ok).count();
        long indeterminate = recording.recorder().operations().stream()
                .filter(Operation::isIndeterminate).count();
        System.out.printf("%s: %d operations, %d ok, %d indeterminate, %d events in the log: %s%n", run,
                recording.operations(), ok, indeterminate, log.events().size(), result.verdict());
        assertThat(result.isValid()).as("%s: %s", run, result).isTrue();
        return result;
    }
}
