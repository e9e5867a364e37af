package io.tern.server.robust;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.Client;
import io.tern.server.ClusterHarness;
import io.tern.server.history.RevisionLog;
import io.tern.spi.failpoint.Failpoints;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A leader crashes in the middle of writing its store into a raft snapshot for a follower that fell behind
 * ({@code saveSnapshotMidway}, compiled into the MVStore engine only: RocksDB writes its checkpoint in one
 * native call). Both members that could lead carry the failpoint, so the second leader crashes the same way
 * and the cluster loses its quorum. Restarted without it, with nothing written meanwhile, a leader must write
 * the same snapshot again over what the crash left in it, and the follower must catch up holding every
 * acknowledged write.
 *
 * <pre>
 *  m1, m2  ── workload ── fill (log truncated past m3) ── m3 back: leader ✕ crash, next leader ✕ crash ── restart both
 *  m3      ── kill ┘                                                                  catch up, final log read here
 * </pre>
 */
class SnapshotSaveCrashTest {
    private static final String PREFIX = "/robust/";
    private static final Duration LIMIT = Duration.ofSeconds(60);
    private static final Failpoints.Name POINT = Failpoints.Name.SAVE_SNAPSHOT_MIDWAY;

    @Test
    void aLeaderCrashMidSnapshotSaveLeavesASnapshotThatIsWrittenAgainForTheFollower(@TempDir Path dir)
            throws Exception {
        List<String> crash = List.of(FailpointRuns.crashAt(POINT));
        try (ClusterHarness cluster = ClusterHarness.start(dir, "mvstore", 3, Map.of("m1", crash, "m2", crash),
                FailpointRuns.SNAPSHOT_COUNT)) {
            Workload workload = new Workload(PREFIX, 5, 4, 1, Duration.ofSeconds(5));
            Workload.Run run = workload.start(() -> FailpointRuns.connect(cluster), 1);
            Map<String, String> filled = new LinkedHashMap<>();
            FailpointRuns.fallBehind(cluster, "m3", filled);

            cluster.restart("m3");
            for (String member : List.of("m1", "m2")) {
                FailpointRuns.awaitCrash(cluster, member, POINT, LIMIT);
            }
            // Nothing is written from here on, so no newer raft snapshot replaces the one the crashes left.
            Workload.Recording recording = run.stop();
            for (String member : List.of("m1", "m2")) {
                cluster.jvmOptions(member);
                cluster.restart(member);
            }
            FailpointRuns.awaitHolds(cluster, "m3", filled, LIMIT);
            RevisionLog log;
            try (Client reader = FailpointRuns.connect(cluster, "m3")) {
                log = FinalLog.read(reader, PREFIX, LIMIT);
            }
            FailpointRuns.check("snapshot save crash", recording, log);
            assertThat(cluster.process("m3").isAlive()).isTrue();
        }
    }
}
