package io.tern.server;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.GetOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.tern.server.TernHarness.bs;
import static io.tern.server.TernHarness.str;
import static org.assertj.core.api.Assertions.assertThat;

/** Losing members of a three-member cluster of real processes: the leader under load, then a quorum. */
class ClusterFailoverTest {
    static final GetOption SERIALIZABLE = GetOption.builder().withSerializable(true).build();

    /**
     * kill -9 of the leader while two writers (one per follower) put without pause: a new leader is
     * elected within a few election timeouts, every acknowledged write is readable from both survivors,
     * failed writes fail with an error rather than hanging, and the killed member catches up on restart.
     */
    @Test
    void killingTheLeaderUnderWriteLoadLosesNoAcknowledgedWrite(@TempDir Path dir) throws Exception {
        try (ClusterHarness cluster = ClusterHarness.start(dir, "mvstore", 3)) {
            String leader = cluster.awaitLeader(Duration.ofSeconds(30));
            List<String> followers = cluster.names().stream().filter(n -> !n.equals(leader)).toList();
            Map<String, String> acked = new ConcurrentHashMap<>();
            List<String> failures = new CopyOnWriteArrayList<>();
            AtomicBoolean stop = new AtomicBoolean();
            List<Thread> writers = followers.stream().map(f -> Thread.ofPlatform().start(() -> {
                Client c = cluster.client(f);
                for (int i = 0; !stop.get(); i++) {
                    String key = f + "/" + i;
                    try {
                        c.getKVClient().put(bs(key), bs("v" + i)).get(20, TimeUnit.SECONDS);
                        acked.put(key, "v" + i);
                    } catch (java.util.concurrent.TimeoutException hung) {
                        failures.add("HUNG " + key);
                    } catch (Exception e) {
                        failures.add(String.valueOf(e.getCause() == null ? e : e.getCause().getMessage()));
                    }
                }
            })).toList();
            Eventually.within(Duration.ofSeconds(20), () -> assertThat(acked).hasSizeGreaterThan(200));
            Map<Long, String> names = new ConcurrentHashMap<>();
            cluster.client(followers.get(0)).getClusterClient().listMember().get(10, TimeUnit.SECONDS).getMembers()
                    .forEach(m -> names.put(m.getId(), m.getName()));
            // The survivors' status is polled on the clients already connected to them, so that the time
            // measured is the election's, not the polling's.
            for (String f : followers) {
                statusLeader(cluster, f);
            }
            cluster.kill(leader);
            long killedAt = System.nanoTime();
            Eventually.within(Duration.ofSeconds(20), () -> {
                long first = statusLeader(cluster, followers.get(0));
                assertThat(names.get(first)).as("survivors agree on a new leader").isIn(followers);
                assertThat(statusLeader(cluster, followers.get(1))).isEqualTo(first);
            });
            Duration election = Duration.ofNanos(System.nanoTime() - killedAt);
            System.out.println("ClusterFailoverTest: survivors agreed on a new leader " + election.toMillis()
                    + " ms after kill -9 of the leader");
            int before = acked.size();
            Eventually.within(Duration.ofSeconds(20), () -> assertThat(acked.size()).isGreaterThan(before + 200));
            stop.set(true);
            for (Thread t : writers) {
                t.join(30_000);
            }
            assertThat(election).as("new leader within a few election timeouts").isLessThan(Duration.ofSeconds(6));
            assertThat(failures).as("no write hangs").noneMatch(f -> f.startsWith("HUNG"));

            for (String survivor : followers) {
                Client c = cluster.client(survivor);
                Map<String, String> seen = new ConcurrentHashMap<>();
                for (String writer : followers) {
                    c.getKVClient().get(bs(writer + "/"), GetOption.builder().isPrefix(true).build())
                            .get(20, TimeUnit.SECONDS).getKvs().forEach(kv -> seen.put(str(kv.getKey()), str(kv.getValue())));
                }
                assertThat(seen).as("every acknowledged write on " + survivor).containsAllEntriesOf(acked);
            }

            cluster.restart(leader);
            cluster.awaitServing(leader, Duration.ofSeconds(60));
            Client back = cluster.client(leader);
            Eventually.within(Duration.ofSeconds(30), () -> {
                long n = 0;
                for (String writer : followers) {
                    n += back.getKVClient().get(bs(writer + "/"), GetOption.builder().isPrefix(true)
                            .withSerializable(true).withCountOnly(true).build()).get(10, TimeUnit.SECONDS).getCount();
                }
                assertThat(n).as("the restarted member caught up").isGreaterThanOrEqualTo(acked.size());
            });
        }
    }

    /** The leader {@code member} names in its status, 0 for none. */
    private static long statusLeader(ClusterHarness cluster, String member) throws Exception {
        return cluster.client(member).getMaintenanceClient().statusMember(cluster.node(member).clientUrl())
                .get(2, TimeUnit.SECONDS).getLeader();
    }

    /**
     * With two of three members stopped, the last one refuses writes and linearizable reads with etcd's
     * errors, promptly, and still serves serializable reads.
     */
    @Test
    void aMemberWithoutQuorumRefusesWritesButServesSerializableReads(@TempDir Path dir) throws Exception {
        try (ClusterHarness cluster = ClusterHarness.start(dir, "rocksdb", 3)) {
            cluster.awaitLeader(Duration.ofSeconds(30));
            assertThat(ThroughElections.etcdctl(cluster.endpoints(), "put", "kept", "yes").exit()).isZero();
            String alone = "m3";
            Eventually.within(Duration.ofSeconds(10), () -> assertThat(ClusterHarness.etcdctl(cluster.endpoints(alone),
                    "get", "kept", "--consistency=s", "--print-value-only").output().trim()).isEqualTo("yes"));
            cluster.stop("m1");
            cluster.stop("m2");

            long t0 = System.nanoTime();
            ClusterHarness.Result put = ClusterHarness.etcdctl(cluster.endpoints(alone), "put", "lost", "no");
            assertThat(put.exit()).isNotZero();
            assertThat(put.output()).containsAnyOf("etcdserver: no leader", "etcdserver: request timed out",
                    "etcdserver: leader changed");
            ClusterHarness.Result lin = ClusterHarness.etcdctl(cluster.endpoints(alone), "get", "kept");
            assertThat(lin.exit()).isNotZero();
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("refused, not hung").isLessThan(Duration.ofSeconds(30));

            ClusterHarness.Result ser = ClusterHarness.etcdctl(cluster.endpoints(alone), "get", "kept",
                    "--consistency=s", "--print-value-only");
            assertThat(ser.exit()).as(ser.output()).isZero();
            assertThat(ser.output().trim()).isEqualTo("yes");
        }
    }
}
