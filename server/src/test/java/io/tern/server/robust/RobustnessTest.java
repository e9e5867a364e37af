package io.tern.server.robust;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.Client;
import io.tern.server.ClusterHarness;
import io.tern.server.history.CheckResult;
import io.tern.server.history.HistoryChecker;
import io.tern.server.history.Operation;
import io.tern.server.history.Outcome;
import io.tern.server.history.RevisionLog;
import io.tern.server.history.Violation;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Recorded workloads on real member processes while faults hit them, checked for linearizability, lost
 * acknowledged writes, revision order and watch guarantees ({@link HistoryChecker}).
 *
 * <p>The short form (CI) runs one seed, 10 s per scenario, MVStore with three members and RocksDB alone. The long form ({@code scripts/robustness}) sets
 * system properties: {@code tern.robust.seconds}, {@code tern.robust.seeds} (seeds 1..N),
 * {@code tern.robust.engines} and {@code tern.robust.members} (comma lists), and {@code tern.robust.report}
 * (a file each run appends its result line to).
 */
class RobustnessTest {
    private static final String PREFIX = "/robust/";
    private static final List<Fault> ALL_FAULTS = List.of(Fault.KILL_LEADER, Fault.PARTITION_LEADER,
            Fault.PAUSE_FOLLOWER, Fault.KILL_FOLLOWER, Fault.PARTITION_FOLLOWER, Fault.PAUSE_LEADER, Fault.KILL_ALL);

    record Scenario(String engine, int members, List<Fault> faults, Duration length, long seed) {
        @Override
        public String toString() {
            return engine + ", " + members + " member" + (members == 1 ? "" : "s") + ", seed " + seed + ", "
                    + length.toSeconds() + " s";
        }
    }

    static Stream<Scenario> scenarios() {
        Duration length = Duration.ofSeconds(Long.getLong("tern.robust.seconds", 10));
        int seeds = Integer.getInteger("tern.robust.seeds", 1);
        List<String> engines = list("tern.robust.engines", "mvstore,rocksdb");
        List<Integer> sizes = list("tern.robust.members", "1,3").stream().map(Integer::valueOf).toList();
        // The short form (no property set) takes each engine once and each size once: MVStore with three
        // members, RocksDB alone. The long form names what it wants and gets every combination.
        boolean shortForm = System.getProperty("tern.robust.engines") == null && System.getProperty("tern.robust.members") == null;
        List<Scenario> all = new ArrayList<>();
        for (long seed = 1; seed <= seeds; seed++) {
            for (String engine : engines) {
                for (int members : sizes) {
                    if (!shortForm || (engine.equals("mvstore") == (members == 3))) {
                        all.add(new Scenario(engine, members, ALL_FAULTS, length, seed));
                    }
                }
            }
        }
        return all.stream();
    }

    private static List<String> list(String property, String fallback) {
        return Arrays.stream(System.getProperty(property, fallback).split(",")).map(String::trim)
                .filter(s -> !s.isEmpty()).toList();
    }

    @ParameterizedTest
    @MethodSource("scenarios")
    void underFaultsEveryHistoryIsLinearizableAndNoAcknowledgedWriteIsLost(Scenario s, @TempDir Path dir)
            throws Exception {
        try (ClusterHarness cluster = ClusterHarness.startBehindProxies(dir, s.engine(), s.members())) {
            Workload workload = new Workload(PREFIX, 5, 6, 2, Duration.ofSeconds(5));
            Workload.Run run = workload.start(() -> connect(cluster), s.seed());
            FaultSchedule faults = FaultSchedule.start(cluster, s.faults(), s.seed());
            Thread.sleep(s.length().toMillis());
            List<String> injected = faults.stop();
            Workload.Recording recording = run.stop();
            RevisionLog log;
            try (Client reader = connect(cluster)) {
                log = FinalLog.read(reader, PREFIX, Duration.ofSeconds(60));
            }
            CheckResult result = HistoryChecker.check(recording.recorder().history(recording.watchers(),
                    Optional.of(log)));
            report(s, recording, injected, result);
            assertThat(injected).as("faults injected").isNotEmpty();
            assertThat(result.isValid()).as("%s%nfaults: %s", result, injected).isTrue();
        }
    }

    private static Client connect(ClusterHarness cluster) {
        return Client.builder().endpoints(cluster.endpoints().split(",")).build();
    }

    /** Prints the run's line (and appends it to the report file when one is set). */
    private static void report(Scenario s, Workload.Recording recording, List<String> injected, CheckResult result)
            throws IOException {
        List<Operation> ops = recording.recorder().operations();
        long ok = ops.stream().filter(o -> o.outcome() instanceof Outcome.Ok).count();
        long indeterminate = ops.stream().filter(o -> o.outcome() instanceof Outcome.Indeterminate).count();
        long lost = result.violations().stream().filter(v -> v.check() == Violation.Check.LOST_WRITE).count();
        long events = recording.watchers().stream().flatMap(w -> w.streams().stream())
                .flatMap(st -> st.responses().stream()).mapToLong(r -> r.events().size()).sum();
        String line = String.format("| %s | %d | %d | %d | %d | %d | %d | %d | %d | %s | %s |", s.engine(), s.members(),
                s.seed(), s.length().toSeconds(), ops.size(), ok, indeterminate, events, injected.size(),
                result.violations().size() + " (" + lost + " lost)", result.verdict());
        System.out.println("robustness " + s + ": " + line + System.lineSeparator() + "  faults: " + injected);
        String file = System.getProperty("tern.robust.report");
        if (file != null) {
            Files.writeString(Path.of(file), line + System.lineSeparator(), StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
    }
}
