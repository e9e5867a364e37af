package io.tern.server.robust;

import static io.tern.server.robust.Workload.bytes;
import static io.tern.server.robust.Workload.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.CompactOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.tern.server.ClusterHarness;
import io.tern.server.history.RevisionLog;
import io.tern.spi.failpoint.Failpoints;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A member (alone, or m1 of three) crashes in the middle of a physical compaction ({@code compactAfterCommitBatch}: one chunk of old
 * versions deleted, more to go, the compaction not recorded as finished) while a recorded workload writes.
 * Restarted without the failpoint on the same data directory it must hold every acknowledged write, answer
 * etcd's compacted error below the compacted revision (the compaction is recorded in the store, or replayed
 * from the raft log), finish the interrupted compaction (a physical compaction to a later revision waits for
 * it) and serve.
 *
 * <pre>
 *  revisions:  2 ......... r | r+1 ....................... end
 *              /fill/ txns   | workload on /robust/ (watchers from r+1)
 *                            ^ compact(r): crash after the first of 3+ chunks, restart, workload goes on
 * </pre>
 */
class CompactionCrashTest {
    private static final String PREFIX = "/robust/";
    private static final String FILL = "/fill/";
    /** Keys per fill txn, and txns: 3,000 change-log entries, three compaction chunks of 1,000 and more. */
    private static final int FILL_KEYS = 100;
    private static final int FILL_ROUNDS = 30;
    private static final String COMPACTED = "etcdserver: mvcc: required revision has been compacted";
    private static final Duration LIMIT = Duration.ofSeconds(60);

    record Scenario(String engine, int members, long seed) {
        @Override
        public String toString() {
            return engine + ", " + members + (members == 1 ? " member" : " members") + ", seed " + seed;
        }
    }

    static Stream<Scenario> scenarios() {
        // CI: RocksDB alone; -Dtern.failpoints.all=true adds MVStore (the compaction being crashed is the MVCC
        // layer's) and three members, where the others go on writing while m1 is down.
        return Stream.of(new Scenario("rocksdb", 1, 1), new Scenario("mvstore", 1, 1), new Scenario("rocksdb", 3, 1),
                new Scenario("mvstore", 3, 1)).limit(FailpointRuns.ALL ? 4 : 1);
    }

    @ParameterizedTest
    @MethodSource("scenarios")
    void aCrashMidCompactionLosesNoAcknowledgedWriteAndTheCompactionCompletesAfterRestart(Scenario s,
            @TempDir Path dir) throws Exception {
        try (ClusterHarness cluster = ClusterHarness.start(dir, s.engine(), s.members(),
                Map.of("m1", List.of(FailpointRuns.crashAt(Failpoints.Name.COMPACT_AFTER_COMMIT_BATCH))))) {
            // Asked of m1 alone, the member that crashes: linearizable reads there are served from its own store.
            KV kv = cluster.client("m1").getKVClient();
            Map<String, String> filled = new LinkedHashMap<>();
            long r = fill(kv, filled);

            Workload workload = new Workload(PREFIX, 5, 6, 2, Duration.ofSeconds(5));
            Workload.Run run = workload.start(() -> FailpointRuns.connect(cluster), s.seed(), r + 1);
            Thread.sleep(1500);
            // The answer may or may not arrive before the crash; the compaction is in the raft log either way.
            catchThrowable(() -> kv.compact(r).get(10, TimeUnit.SECONDS));
            FailpointRuns.awaitCrash(cluster, "m1", Failpoints.Name.COMPACT_AFTER_COMMIT_BATCH, LIMIT);
            Thread.sleep(1000);
            cluster.jvmOptions("m1");
            cluster.restart("m1");
            cluster.awaitServing("m1", LIMIT);
            Thread.sleep(3000);
            Workload.Recording recording = run.stop();
            RevisionLog log;
            try (Client reader = FailpointRuns.connect(cluster)) {
                log = FinalLog.read(reader, PREFIX, LIMIT, r + 1);
            }
            FailpointRuns.check("compaction crash, " + s, recording, log);

            assertThat(errorOf(() -> kv.get(bytes(FILL + 0), GetOption.builder().withRevision(r - 1).build())
                    .get(10, TimeUnit.SECONDS))).as("a range below the compacted revision").isEqualTo(COMPACTED);
            GetResponse atR = kv.get(bytes(FILL), GetOption.builder().isPrefix(true).withRevision(r).build())
                    .get(10, TimeUnit.SECONDS);
            GetResponse now = kv.get(bytes(FILL), GetOption.builder().isPrefix(true).build()).get(10, TimeUnit.SECONDS);
            for (GetResponse g : List.of(atR, now)) {
                Map<String, String> seen = new LinkedHashMap<>();
                g.getKvs().forEach(k -> seen.put(text(k.getKey()), text(k.getValue())));
                assertThat(seen).as("the filled keys at revision %d", g.getHeader().getRevision())
                        .isEqualTo(filled);
            }
            // Compactions run in order: a physical one to a later revision completes only once the
            // interrupted one has.
            long later = kv.put(bytes("/after"), bytes("x")).get(10, TimeUnit.SECONDS).getHeader().getRevision();
            kv.compact(later, CompactOption.builder().withCompactPhysical(true).build()).get(60, TimeUnit.SECONDS);
            assertThat(errorOf(() -> kv.get(bytes("/after"), GetOption.builder().withRevision(later - 1).build())
                    .get(10, TimeUnit.SECONDS))).isEqualTo(COMPACTED);
        }
    }

    /**
     * Writes {@value #FILL_ROUNDS} txns of {@value #FILL_KEYS} puts each (every key once per txn); records
     * the last values in {@code filled}; the revision of the last txn.
     */
    private static long fill(KV kv, Map<String, String> filled) throws Exception {
        long revision = 0;
        for (int round = 0; round < FILL_ROUNDS; round++) {
            Op[] puts = new Op[FILL_KEYS];
            for (int k = 0; k < FILL_KEYS; k++) {
                String key = FILL + k;
                String value = "round-" + round + "-" + k;
                puts[k] = Op.put(bytes(key), bytes(value), PutOption.DEFAULT);
                filled.put(key, value);
            }
            revision = kv.txn().Then(puts).commit().get(10, TimeUnit.SECONDS).getHeader().getRevision();
        }
        return revision;
    }

    interface Call {
        Object run() throws Exception;
    }

    /** The server's error text of a call that must fail. */
    static String errorOf(Call call) {
        Throwable t = catchThrowable(call::run);
        assertThat(t).as("the call failed").isNotNull();
        Throwable cause = t.getCause() != null ? t.getCause() : t;
        if (cause instanceof io.grpc.StatusRuntimeException e) {
            return e.getStatus().getDescription();
        }
        return cause.getMessage();
    }
}
