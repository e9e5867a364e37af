package io.tern.server;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.cluster.Member;
import io.etcd.jetcd.options.GetOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static io.tern.server.TernHarness.bs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/** Membership changes on a cluster of real processes: learners, promotion, removal, leadership moves. */
class ClusterMembershipTest {

    private static Member member(Client c, String name) throws Exception {
        return c.getClusterClient().listMember().get(10, TimeUnit.SECONDS).getMembers().stream()
                .filter(m -> m.getName().equals(name)).findFirst().orElseThrow();
    }

    /**
     * A fourth member added as a learner joins with --initial-cluster-state existing, catches up by
     * installing a snapshot (the log was truncated long before), is promoted once in sync, and then
     * counts towards quorum: after another member is removed and a third is killed, writes go on.
     */
    static java.util.stream.Stream<String> engines() {
        return TernHarness.ENGINES.stream();
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.MethodSource("engines")
    void aLearnerJoinsFromASnapshotIsPromotedAndReplacesARemovedMember(String engine, @TempDir Path dir) throws Exception {
        try (ClusterHarness cluster = ClusterHarness.start(dir, engine, 3, "--snapshot-count", "50")) {
            String leader = cluster.awaitLeader(Duration.ofSeconds(30));
            Client all = cluster.client();
            for (int i = 0; i < 300; i++) {
                int n = i;
                // A busy host can delay heartbeats past the election timeout; a put caught by the
                // election fails with "leader changed", as on etcd, and is sent again.
                Eventually.within(Duration.ofSeconds(30), () -> all.getKVClient().put(bs("k/" + n), bs("v" + n))
                        .get(10, TimeUnit.SECONDS));
            }
            ClusterHarness.Node m4 = cluster.define("m4");
            var added = all.getClusterClient().addMember(List.of(URI.create(m4.peerUrl())), true).get(10, TimeUnit.SECONDS);
            assertThat(added.getMember().isLearner()).isTrue();
            assertThat(added.getMembers()).hasSize(4);
            Member unstarted = added.getMembers().stream().filter(m -> m.getId() == added.getMember().getId())
                    .findFirst().orElseThrow();
            assertThat(unstarted.getName()).as("not started yet").isEmpty();

            Throwable second = catchThrowable(() -> all.getClusterClient()
                    .addMember(List.of(URI.create("http://127.0.0.1:" + TernHarness.freePort())), true).get(10, TimeUnit.SECONDS));
            assertThat(second).isInstanceOf(ExecutionException.class).hasMessageContaining("too many learner members");
            Throwable sameUrl = catchThrowable(() -> all.getClusterClient()
                    .addMember(List.of(URI.create(m4.peerUrl())), false).get(10, TimeUnit.SECONDS));
            assertThat(sameUrl).hasMessageContaining("Peer URLs already exists");

            cluster.join("m4");
            cluster.awaitServing("m4", Duration.ofSeconds(60));
            Client learner = cluster.client("m4");
            Eventually.within(Duration.ofSeconds(30), () -> assertThat(learner.getKVClient().get(bs("k/"),
                    GetOption.builder().isPrefix(true).withSerializable(true).withCountOnly(true).build())
                    .get(10, TimeUnit.SECONDS).getCount()).isEqualTo(300));
            assertThat(Files.readString(cluster.log("m4"))).as("caught up by a snapshot install").contains("installing snapshot");
            var st = learner.getMaintenanceClient().statusMember(m4.clientUrl()).get(10, TimeUnit.SECONDS);
            assertThat(st.isLearner()).isTrue();
            assertThat(st.getHeader().getMemberId()).isEqualTo(added.getMember().getId());
            Eventually.within(Duration.ofSeconds(10), () -> assertThat(member(all, "m4").isLearner()).isTrue());

            Eventually.within(Duration.ofSeconds(30), () -> all.getClusterClient()
                    .promoteMember(added.getMember().getId()).get(10, TimeUnit.SECONDS));
            Eventually.within(Duration.ofSeconds(10), () -> assertThat(member(all, "m4").isLearner()).isFalse());
            Throwable again = catchThrowable(() -> all.getClusterClient().promoteMember(added.getMember().getId())
                    .get(10, TimeUnit.SECONDS));
            assertThat(again).hasMessageContaining("can only promote a learner member");

            List<String> others = List.of("m1", "m2", "m3").stream().filter(n -> !n.equals(leader)).toList();
            String removed = others.get(0);
            String killed = others.get(1);
            Client viaLeader = cluster.client(leader);
            viaLeader.getClusterClient().removeMember(member(all, removed).getId()).get(10, TimeUnit.SECONDS);
            assertThat(viaLeader.getClusterClient().listMember().get(10, TimeUnit.SECONDS).getMembers())
                    .extracting(Member::getName).containsExactlyInAnyOrder(leader, killed, "m4");
            assertThat(cluster.process(removed).waitFor(30, TimeUnit.SECONDS)).as("a removed member exits").isTrue();
            assertThat(Files.readString(cluster.log(removed))).contains("permanently removed");

            // Give the leader time to take the removed member out of the raft configuration and to make
            // m4 a voter there, then lose one more: leader + m4 are two of three voters.
            Eventually.within(Duration.ofSeconds(30), () -> viaLeader.getKVClient().put(bs("probe"), bs("x"))
                    .get(5, TimeUnit.SECONDS));
            Thread.sleep(2_000);
            cluster.kill(killed);
            Eventually.within(Duration.ofSeconds(30), () -> viaLeader.getKVClient().put(bs("after"), bs("quorum"))
                    .get(5, TimeUnit.SECONDS));
            Eventually.within(Duration.ofSeconds(10), () -> assertThat(learner.getKVClient().get(bs("after"),
                    GetOption.builder().withSerializable(true).build()).get(5, TimeUnit.SECONDS).getKvs()).hasSize(1));
        }
    }

    /**
     * MemberUpdate moves a stopped follower to a new peer URL; restarted there (on its data directory,
     * whose records still name the old URL), it rejoins at the new one and replicates again.
     */
    @Test
    void aMemberMovedToANewPeerUrlRejoinsThere(@TempDir Path dir) throws Exception {
        try (ClusterHarness cluster = ClusterHarness.start(dir, "mvstore", 3)) {
            String leader = cluster.awaitLeader(Duration.ofSeconds(30));
            String mover = cluster.names().stream().filter(n -> !n.equals(leader)).findFirst().orElseThrow();
            Client viaLeader = cluster.client(leader);
            long id = member(viaLeader, mover).getId();
            cluster.stop(mover);

            ClusterHarness.Node moved = cluster.movePeer(mover);
            viaLeader.getClusterClient().updateMember(id, List.of(URI.create(moved.peerUrl()))).get(10, TimeUnit.SECONDS);
            ThroughElections.await(() -> viaLeader.getKVClient().put(bs("while-away"), bs("1")));
            cluster.restart(mover);
            cluster.awaitServing(mover, Duration.ofSeconds(60));

            Client there = cluster.client(mover);
            Eventually.within(Duration.ofSeconds(30), () -> assertThat(there.getKVClient().get(bs("while-away"),
                    GetOption.builder().withSerializable(true).build()).get(5, TimeUnit.SECONDS).getKvs()).hasSize(1));
            ThroughElections.await(() -> viaLeader.getKVClient().put(bs("after-move"), bs("2")));
            Eventually.within(Duration.ofSeconds(30), () -> assertThat(there.getKVClient().get(bs("after-move"),
                    GetOption.builder().withSerializable(true).build()).get(5, TimeUnit.SECONDS).getKvs()).hasSize(1));
            assertThat(member(viaLeader, mover).getPeerURIs()).containsExactly(URI.create(moved.peerUrl()));
            assertThat(member(viaLeader, mover).isLearner()).isFalse();
            // A voter again: with the moved member and the leader, losing the third member keeps quorum.
            String third = cluster.names().stream().filter(n -> !n.equals(leader) && !n.equals(mover))
                    .findFirst().orElseThrow();
            Eventually.within(Duration.ofSeconds(30), () -> assertThat(there.getMaintenanceClient()
                    .statusMember(moved.clientUrl()).get(5, TimeUnit.SECONDS).getRaftIndex())
                    .isGreaterThan(0));
            Thread.sleep(5_000); // the leader makes the rejoined member a voter once it has caught up
            cluster.kill(third);
            Eventually.within(Duration.ofSeconds(30), () -> viaLeader.getKVClient().put(bs("two-of-three"), bs("3"))
                    .get(5, TimeUnit.SECONDS));
        }
    }

    /**
     * etcd's strict reconfiguration check: with one follower down, removing the other follower would
     * leave the leader without a quorum it can reach, so it is refused (asked through a follower too);
     * removing the member that is down is fine, and that member, restarted, exits.
     */
    @Test
    void aRemovalThatWouldLeaveNoActiveQuorumIsRefused(@TempDir Path dir) throws Exception {
        try (ClusterHarness cluster = ClusterHarness.start(dir, "mvstore", 3)) {
            String leader = cluster.awaitLeader(Duration.ofSeconds(30));
            List<String> followers = cluster.names().stream().filter(n -> !n.equals(leader)).toList();
            String down = followers.get(0);
            String up = followers.get(1);
            Client viaLeader = cluster.client(leader);
            long downId = member(viaLeader, down).getId();
            long upId = member(viaLeader, up).getId();
            cluster.kill(down);
            Thread.sleep(2_000); // past the leader's lease on the killed member

            for (Client via : List.of(viaLeader, cluster.client(up))) {
                Throwable refused = catchThrowable(() -> via.getClusterClient().removeMember(upId).get(10, TimeUnit.SECONDS));
                assertThat(refused).hasMessageContaining("etcdserver: unhealthy cluster");
            }
            viaLeader.getClusterClient().removeMember(downId).get(10, TimeUnit.SECONDS);
            assertThat(viaLeader.getClusterClient().listMember().get(10, TimeUnit.SECONDS).getMembers())
                    .extracting(Member::getName).containsExactlyInAnyOrder(leader, up);

            // Restarted on its old data, the removed member learns from its peers that it was removed and
            // exits, as etcd does, rather than waiting for a leader that will never talk to it.
            cluster.restart(down);
            assertThat(cluster.process(down).waitFor(60, TimeUnit.SECONDS)).as("the removed member exits").isTrue();
            assertThat(cluster.process(down).exitValue()).isNotZero();
            assertThat(Files.readString(cluster.log(down))).contains("the member has been permanently removed");
        }
    }

    /** MoveLeader on the leader hands leadership to the named voter; on a follower it is refused as on etcd. */
    @Test
    void leadershipMovesOnRequest(@TempDir Path dir) throws Exception {
        try (ClusterHarness cluster = ClusterHarness.start(dir, "mvstore", 3)) {
            String leader = cluster.awaitLeader(Duration.ofSeconds(30));
            String target = cluster.names().stream().filter(n -> !n.equals(leader)).findFirst().orElseThrow();
            Client viaLeader = cluster.client(leader);
            long targetId = member(viaLeader, target).getId();
            Throwable notLeader = catchThrowable(() -> cluster.client(target).getMaintenanceClient()
                    .moveLeader(targetId).get(10, TimeUnit.SECONDS));
            assertThat(notLeader).hasMessageContaining("etcdserver: not leader");
            viaLeader.getMaintenanceClient().moveLeader(targetId).get(20, TimeUnit.SECONDS);
            assertThat(cluster.awaitLeader(ThroughElections.LIMIT)).isEqualTo(target);

            // Members announce their client URLs once they serve, through whoever leads: allow for that.
            Eventually.within(Duration.ofSeconds(15), () -> {
                ClusterHarness.Result table = ClusterHarness.etcdctl(cluster.endpoints(), "member", "list", "-w", "table");
                assertThat(table.exit()).as(table.output()).isZero();
                for (String name : cluster.names()) {
                    assertThat(table.output()).containsPattern("\\| started \\|\\s+" + name + " \\| "
                            + cluster.node(name).peerUrl() + " \\| " + cluster.node(name).clientUrl() + " \\|\\s+false \\|");
                }
            });
            ClusterHarness.Result status = ClusterHarness.etcdctl(cluster.endpoints(), "endpoint", "status", "-w", "table");
            assertThat(status.exit()).as(status.output()).isZero();
            assertThat(status.output().lines().filter(l -> l.matches(".*\\|\\s+true \\|\\s+false \\|.*")))
                    .as("one leader in\n" + status.output()).hasSize(1);
        }
    }
}
