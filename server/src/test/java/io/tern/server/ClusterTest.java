package io.tern.server;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.cluster.Member;
import io.etcd.jetcd.maintenance.StatusResponse;
import io.etcd.jetcd.options.GetOption;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static io.tern.server.TernHarness.bs;
import static io.tern.server.TernHarness.str;
import static org.assertj.core.api.Assertions.assertThat;

/** Three real Tern processes bootstrapped with etcd's flags: identities, writes and reads through every member. */
class ClusterTest {
    static Stream<String> engines() {
        return TernHarness.ENGINES.stream();
    }

    static final GetOption SERIALIZABLE = GetOption.builder().withSerializable(true).build();
    /** The lease of the keep-alive test, in seconds: long enough that a stall of the busy host does not expire it. */
    private static final long TTL = 6;

    @ParameterizedTest
    @MethodSource("engines")
    void threeMembersAgreeOnWhoTheyAreAndServeWritesAndReadsOnEveryMember(String engine, @TempDir Path dir)
            throws Exception {
        try (ClusterHarness cluster = ClusterHarness.start(dir, engine, 3)) {
            String leader = cluster.awaitLeader(Duration.ofSeconds(30));
            Set<Long> ids = new HashSet<>();
            long clusterId = 0;
            for (String name : cluster.names()) {
                Client c = cluster.client(name);
                List<Member> members = c.getClusterClient().listMember().get(10, TimeUnit.SECONDS).getMembers();
                assertThat(members).extracting(Member::getName).containsExactlyInAnyOrder("m1", "m2", "m3");
                Member self = members.stream().filter(m -> m.getName().equals(name)).findFirst().orElseThrow();
                assertThat(self.getPeerURIs()).extracting(Object::toString).containsExactly(cluster.node(name).peerUrl());
                Eventually.within(Duration.ofSeconds(10), () -> assertThat(c.getClusterClient().listMember()
                        .get(10, TimeUnit.SECONDS).getMembers().stream().filter(m -> m.getName().equals(name))
                        .findFirst().orElseThrow().getClientURIs()).extracting(Object::toString)
                        .containsExactly(cluster.node(name).clientUrl()));
                StatusResponse status = c.getMaintenanceClient().statusMember(cluster.node(name).clientUrl())
                        .get(10, TimeUnit.SECONDS);
                assertThat(status.getHeader().getMemberId()).as("header member id of " + name).isEqualTo(self.getId());
                // The leader every member names; an election on a busy host may have changed it since.
                Eventually.within(ThroughElections.LIMIT, () -> {
                    long named = c.getMaintenanceClient().statusMember(cluster.node(name).clientUrl())
                            .get(10, TimeUnit.SECONDS).getLeader();
                    assertThat(members.stream().filter(m -> m.getId() == named).findFirst().orElseThrow()
                            .getName()).isEqualTo(cluster.awaitLeader(ThroughElections.LIMIT));
                });
                assertThat(status.getRaftIndex()).isPositive();
                assertThat(status.getHeader().getRaftTerm()).isPositive();
                ids.add(self.getId());
                if (clusterId == 0) {
                    clusterId = status.getHeader().getClusterId();
                }
                assertThat(status.getHeader().getClusterId()).isEqualTo(clusterId).isNotZero();
            }
            assertThat(ids).hasSize(3);

            for (String writer : cluster.names()) {
                Client w = cluster.client(writer);
                for (int i = 0; i < 20; i++) {
                    int n = i;
                    var put = ThroughElections.await(() -> w.getKVClient().put(bs(writer + "/" + n), bs("v" + n)));
                    // The member that took the write has applied it: a serializable read there sees it.
                    List<KeyValue> local = w.getKVClient().get(bs(writer + "/" + i), SERIALIZABLE).get(10, TimeUnit.SECONDS).getKvs();
                    assertThat(local).extracting(kv -> kv.getModRevision()).containsExactly(put.getHeader().getRevision());
                }
            }
            for (String reader : cluster.names()) {
                Client r = cluster.client(reader);
                for (String writer : cluster.names()) {
                    var got = ThroughElections.await(() -> r.getKVClient().get(bs(writer + "/"),
                            GetOption.builder().isPrefix(true).build()));
                    assertThat(got.getKvs()).as(reader + " reads what " + writer + " wrote").hasSize(20);
                    assertThat(str(got.getKvs().get(0).getValue())).isEqualTo("v0");
                }
            }

            // HashKV at one revision is the same on every member, before and after a compaction (whose
            // physical part each member runs at its own pace).
            Client any = cluster.client(leader);
            long rev = ThroughElections.await(() -> any.getKVClient().put(bs("hash/last"), bs("x"))).getHeader()
                    .getRevision();
            for (boolean compacted : new boolean[] {false, true}) {
                if (compacted) {
                    any.getKVClient().compact(rev - 10).get(10, TimeUnit.SECONDS);
                }
                List<Integer> hashes = new ArrayList<>();
                for (String name : cluster.names()) {
                    long compactedTo = compacted ? rev - 10 : 0;
                    var channel = io.grpc.ManagedChannelBuilder.forAddress("127.0.0.1", cluster.node(name).clientPort())
                            .usePlaintext().build();
                    var h = new io.tern.api.proto.etcdserverpb.HashKVResponse[1];
                    try {
                        var maintenance = io.tern.api.proto.etcdserverpb.MaintenanceGrpc.newBlockingStub(channel);
                        // A follower answers once it has applied the revision (and the compaction).
                        Eventually.within(Duration.ofSeconds(10), () -> {
                            h[0] = maintenance.withDeadlineAfter(10, TimeUnit.SECONDS).hashKV(
                                    io.tern.api.proto.etcdserverpb.HashKVRequest.newBuilder().setRevision(rev).build());
                            assertThat(h[0].getCompactRevision()).isEqualTo(compactedTo);
                        });
                    } finally {
                        channel.shutdownNow();
                    }
                    hashes.add(h[0].getHash());
                }
                assertThat(hashes).as("HashKV at %d on each member, compacted: %s", rev, compacted)
                        .containsOnly(hashes.get(0));
            }

            // Alarms go through the log from any member: one raised through a follower stops writes on every
            // member, one disarmed through another follower lets them go on.
            List<String> followers = cluster.names().stream().filter(n -> !n.equals(leader)).toList();
            var raise = io.tern.api.proto.etcdserverpb.AlarmRequest.newBuilder()
                    .setAction(io.tern.api.proto.etcdserverpb.AlarmRequest.AlarmAction.ACTIVATE).setMemberID(42)
                    .setAlarm(io.tern.api.proto.etcdserverpb.AlarmType.NOSPACE).build();
            assertThat(ThroughElections.retry(() -> alarm(cluster, followers.get(0), raise)).getAlarmsCount())
                    .isEqualTo(1);
            for (String name : cluster.names()) {
                Eventually.within(Duration.ofSeconds(10), () -> assertThat(alarm(cluster, name,
                        io.tern.api.proto.etcdserverpb.AlarmRequest.getDefaultInstance()).getAlarmsList())
                        .extracting(a -> a.getMemberID()).containsExactly(42L));
            }
            assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> ThroughElections.await(() -> cluster
                    .client(leader).getKVClient().put(bs("while/raised"), bs("x")))))
                    .hasMessageContaining("etcdserver: mvcc: database space exceeded");
            // Sent again after an election, a disarm already applied answers with no alarm: the members' lists
            // say whether it took.
            ThroughElections.retry(() -> alarm(cluster, followers.get(1), raise.toBuilder()
                    .setAction(io.tern.api.proto.etcdserverpb.AlarmRequest.AlarmAction.DEACTIVATE).build()));
            for (String name : cluster.names()) {
                Eventually.within(Duration.ofSeconds(10), () -> assertThat(alarm(cluster, name,
                        io.tern.api.proto.etcdserverpb.AlarmRequest.getDefaultInstance()).getAlarmsList())
                        .as("alarms on %s after the disarm", name).isEmpty());
            }
            ThroughElections.await(() -> cluster.client(followers.get(0)).getKVClient().put(bs("after/disarm"), bs("x")));
        }
    }

    private static io.tern.api.proto.etcdserverpb.AlarmResponse alarm(ClusterHarness cluster, String name,
                                                                      io.tern.api.proto.etcdserverpb.AlarmRequest r) {
        var channel = io.grpc.ManagedChannelBuilder.forAddress("127.0.0.1", cluster.node(name).clientPort())
                .usePlaintext().build();
        try {
            return io.tern.api.proto.etcdserverpb.MaintenanceGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(10, TimeUnit.SECONDS).alarm(r);
        } finally {
            channel.shutdownNow();
        }
    }

    /**
     * A member whose --initial-cluster-token (or member list) differs from the running members' computes
     * another cluster id: it refuses to start, naming the mismatch, and the cluster is untouched.
     */
    @org.junit.jupiter.api.Test
    void aMemberFormedWithOtherFlagsRefusesToStart(@TempDir Path dir) throws Exception {
        try (ClusterHarness cluster = ClusterHarness.start(dir, "mvstore", 3)) {
            cluster.awaitLeader(Duration.ofSeconds(30));
            String initial = cluster.initialCluster();
            cluster.define("m4");
            Process stray = cluster.launchStray("m4", initial + ",m4=" + cluster.node("m4").peerUrl(), "another-token");
            assertThat(stray.waitFor(60, TimeUnit.SECONDS)).as("the stray member exits").isTrue();
            assertThat(stray.exitValue()).isNotZero();
            assertThat(java.nio.file.Files.readString(cluster.log("m4"))).contains("cluster ID mismatch");
            assertThat(ThroughElections.etcdctl(cluster.endpoints("m1", "m2", "m3"), "put", "still", "fine").exit())
                    .isZero();
        }
    }

    /**
     * Keep-alives and TTLs asked of a follower are answered by the leader's lessor (the only one that
     * counts expiry): a lease kept alive only through a follower outlives its TTL, and once the
     * keep-alives stop its key disappears from every member.
     */
    @org.junit.jupiter.api.Test
    void leasesKeptAliveThroughAFollowerLiveAndThenExpireEverywhere(@TempDir Path dir) throws Exception {
        try (ClusterHarness cluster = ClusterHarness.start(dir, "mvstore", 3)) {
            String leader = cluster.awaitLeader(Duration.ofSeconds(30));
            String follower = cluster.names().stream().filter(n -> !n.equals(leader)).findFirst().orElseThrow();
            Client c = cluster.client(follower);
            long id = ThroughElections.await(() -> c.getLeaseClient().grant(TTL)).getID();
            ThroughElections.await(() -> c.getKVClient().put(bs("leased"), bs("x"),
                    io.etcd.jetcd.options.PutOption.builder().withLeaseId(id).build()));
            // Keep-alives for twice the TTL, a third of it apart. One refused by an election is sent again
            // (etcd's keep-alive loop goes on the same way); one that is not refused must answer the full TTL.
            long until = System.nanoTime() + Duration.ofSeconds(2 * TTL).toNanos();
            while (System.nanoTime() < until) {
                assertThat(ThroughElections.await(() -> c.getLeaseClient().keepAliveOnce(id)).getTTL()).isEqualTo(TTL);
                Thread.sleep(TTL * 1000 / 3);
            }
            var ttl = ThroughElections.await(() -> c.getLeaseClient().timeToLive(id,
                    io.etcd.jetcd.options.LeaseOption.builder().withAttachedKeys().build()));
            // A new leader's lessor extends every lease by an election timeout (etcd's promote).
            assertThat(ttl.getTTL()).as("remaining TTL from the leader").isBetween(1L, TTL + 2);
            assertThat(ttl.getGrantedTTL()).isEqualTo(TTL);
            assertThat(ttl.getKeys()).extracting(TernHarness::str).containsExactly("leased");
            assertThat(c.getKVClient().get(bs("leased")).get(10, TimeUnit.SECONDS).getKvs()).as("kept alive past its TTL").hasSize(1);
            for (String name : cluster.names()) {
                Client m = cluster.client(name);
                Eventually.within(ThroughElections.LIMIT, () -> assertThat(m.getKVClient().get(bs("leased"))
                        .get(10, TimeUnit.SECONDS).getKvs()).as("expired on " + name).isEmpty());
            }
            assertThat(ThroughElections.await(() -> c.getLeaseClient().timeToLive(id,
                    io.etcd.jetcd.options.LeaseOption.DEFAULT)).getTTL()).isEqualTo(-1);
        }
    }
}
