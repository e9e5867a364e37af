package io.tern.consensus.jraft;

import io.tern.spi.consensus.ConsensusConfig;
import io.tern.spi.consensus.ConsensusEngine;
import io.tern.spi.consensus.ConsensusException;
import io.tern.spi.consensus.Membership;
import io.tern.spi.consensus.PeerAddress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/** Three jraft members in one JVM on loopback ports: forwarding, reads, failover, membership, snapshots. */
class JRaftClusterTest {
    @TempDir
    Path dir;
    private final List<Member> members = new ArrayList<>();

    /** One member: its engine and the recording state machine it drives. */
    record Member(String name, PeerAddress address, JRaftConsensusEngineTest.Recorder sm, ConsensusEngine engine) {
    }

    @AfterEach
    void stop() {
        members.forEach(m -> m.engine().close());
    }

    private Member start(String name, PeerAddress address, List<PeerAddress> voters, long snapshotCount) {
        var sm = new JRaftConsensusEngineTest.Recorder(0);
        ConsensusConfig config = new ConsensusConfig(name, address, address, dir.resolve(name), voters,
                Duration.ofMillis(50), Duration.ofMillis(500), snapshotCount, Duration.ofSeconds(5), java.util.Optional.empty());
        ConsensusEngine engine = new JRaftConsensusProvider().create(config, sm,
                request -> CompletableFuture.completedFuture((name + ":" + new String(request, StandardCharsets.UTF_8))
                        .getBytes(StandardCharsets.UTF_8)));
        engine.start();
        Member m = new Member(name, address, sm, engine);
        members.add(m);
        return m;
    }

    private List<Member> startThree(long snapshotCount) throws Exception {
        List<PeerAddress> voters = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            voters.add(new PeerAddress("127.0.0.1", JRaftConsensusEngineTest.freePort()));
        }
        List<Member> started = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            started.add(start("m" + (i + 1), voters.get(i), voters, snapshotCount));
        }
        leader(started);
        return started;
    }

    private static Member leader(List<Member> among) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            for (Member m : among) {
                if (m.engine().status().isLeader()) {
                    return m;
                }
            }
            assertThat(System.nanoTime()).as("a leader is elected in time").isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as(what).isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    /**
     * Proposes through {@code m}, again after a leader change or while no leader is known (three members in
     * one JVM on a 2-core machine can miss heartbeats when something else takes the CPU); the command may then
     * be applied twice, which no caller here minds.
     */
    private static Object propose(Member m, String command) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            try {
                return m.engine().propose(command.getBytes(StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof ConsensusException c) || !leadership(c)
                        || System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
    }

    /** The membership as the leader among {@code among} sees it, asked again across leader changes. */
    private static Membership membership(List<Member> among) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                return leader(among).engine().membership();
            } catch (ConsensusException e) {
                if (!leadership(e) || System.nanoTime() > deadline) {
                    throw e;
                }
            }
        }
    }

    /**
     * Reconfigures through the leader among {@code among}, again through the next leader if leadership moves
     * during the change (reconfigure compares with the membership as it stands, so a change that did commit
     * before its leader stepped down is not made twice).
     */
    private static void reconfigure(List<Member> among, Membership target) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                leader(among).engine().reconfigure(target).get(10, TimeUnit.SECONDS);
                return;
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof ConsensusException c) || !leadership(c)
                        || System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
    }

    /**
     * Proposes {@code prefix0..prefix(n-1)} through {@code m} all at once, checks that each got its own
     * command's result, and returns the distinct log indexes they were applied at.
     */
    private static Set<Long> proposeAtOnce(Member m, String prefix, int n) throws Exception {
        List<CompletableFuture<Object>> futures = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            futures.add(m.engine().propose((prefix + i).getBytes(StandardCharsets.UTF_8)));
        }
        Set<Long> indexes = new java.util.HashSet<>();
        for (int i = 0; i < n; i++) {
            String result = (String) futures.get(i).get(20, TimeUnit.SECONDS);
            assertThat(result).startsWith("applied:" + prefix + i + "@");
            indexes.add(Long.parseLong(result.substring(result.indexOf('@') + 1)));
        }
        return indexes;
    }

    private static boolean leadership(ConsensusException e) {
        return e.reason() == ConsensusException.Reason.NOT_LEADER
                || e.reason() == ConsensusException.Reason.LEADER_CHANGED
                || e.reason() == ConsensusException.Reason.NO_LEADER;
    }

    @Test
    void everyMemberAcceptsProposalsAndSeesItsOwnAcknowledgedOnesAfterTheAcknowledgedBarrier() throws Exception {
        List<Member> three = startThree(0);
        for (Member m : three) {
            for (int i = 0; i < 20; i++) {
                String cmd = m.name() + "-" + i;
                assertThat((String) propose(m, cmd)).startsWith("applied:" + cmd + "@");
                m.engine().acknowledgedBarrier().get(10, TimeUnit.SECONDS);
                assertThat(m.sm().applied).as("read-your-write on the member asked").contains(cmd);
            }
        }
        List<CompletableFuture<Object>> concurrent = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            concurrent.add(three.get(i % 3).engine().propose(("x" + i).getBytes(StandardCharsets.UTF_8)));
        }
        for (CompletableFuture<Object> f : concurrent) {
            f.get(10, TimeUnit.SECONDS);
        }
        for (Member m : three) {
            m.engine().readBarrier().get(10, TimeUnit.SECONDS);
            assertThat(m.sm().applied).as("after a read barrier on " + m.name()).hasSize(360);
        }
        assertThat(three.get(0).sm().applied).isEqualTo(three.get(1).sm().applied).isEqualTo(three.get(2).sm().applied);
    }

    /**
     * A follower forwards what its callers propose meanwhile in batches, and the leader appends each batch as
     * one log entry: 1,000 proposals at once through a follower take far fewer entries, each still gets its
     * own command's result, every member applies them in the same order, and {@code --snapshot-count}
     * counts each command (as etcd counts requests), so 500 of them make every member snapshot.
     */
    @Test
    void aForwardedBatchIsOneLogEntryAndEachOfItsCommandsCounts() throws Exception {
        List<Member> three = startThree(500);
        Member follower = three.stream().filter(m -> !m.engine().status().isLeader()).findFirst().orElseThrow();
        assertThat(proposeAtOnce(follower, "p", 1000)).as("log entries of 1,000 forwarded proposals")
                .hasSizeLessThan(500);
        for (Member m : three) {
            m.engine().readBarrier().get(10, TimeUnit.SECONDS);
            await(m.name() + " snapshots after 500 commands", () -> m.sm().persistedIndex > 0);
        }
        assertThat(three.get(0).sm().applied).hasSize(1000)
                .isEqualTo(three.get(1).sm().applied).isEqualTo(three.get(2).sm().applied);
    }

    /**
     * The leader sends a few entries at once; what its callers propose while that many are in flight waits
     * and goes as one entry when one of them finishes: 1,000 proposals at once on the leader take far fewer
     * entries, and each gets its own command's result.
     */
    @Test
    void proposalsBeyondTheLeadersWindowArePackedIntoFewEntries() throws Exception {
        List<Member> three = startThree(0);
        Member lead = leader(three);
        assertThat(proposeAtOnce(lead, "q", 1000)).as("log entries of 1,000 proposals on the leader")
                .hasSizeLessThan(100);
        for (Member m : three) {
            m.engine().readBarrier().get(10, TimeUnit.SECONDS);
        }
        assertThat(three.get(0).sm().applied).hasSize(1000)
                .isEqualTo(three.get(1).sm().applied).isEqualTo(three.get(2).sm().applied);
    }

    @Test
    void losingTheLeaderElectsAnotherAndKeepsEveryAcknowledgedProposal() throws Exception {
        List<Member> three = startThree(0);
        Member old = leader(three);
        List<String> acked = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            propose(three.get(i % 3), "a" + i);
            acked.add("a" + i);
        }
        old.engine().close();
        List<Member> survivors = three.stream().filter(m -> m != old).toList();
        long t0 = System.nanoTime();
        Member next = leader(survivors);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("new leader within a few election timeouts")
                .isLessThan(Duration.ofSeconds(5));
        for (Member m : survivors) {
            propose(m, "after-" + m.name());
            acked.add("after-" + m.name());
        }
        for (Member m : survivors) {
            m.engine().readBarrier().get(10, TimeUnit.SECONDS);
            assertThat(m.sm().applied).containsAll(acked);
        }
        assertThat(next.engine().status().term()).isGreaterThan(0);
    }

    @Test
    void aMemberWithoutQuorumRefusesWritesAndLinearizableReads() throws Exception {
        List<Member> three = startThree(0);
        propose(three.get(0), "before");
        three.get(2).engine().readBarrier().get(10, TimeUnit.SECONDS);
        three.get(0).engine().close();
        three.get(1).engine().close();
        ConsensusEngine alone = three.get(2).engine();
        Throwable write = catchThrowable(() -> alone.propose("x".getBytes(StandardCharsets.UTF_8)).get(20, TimeUnit.SECONDS));
        assertThat(write).isInstanceOf(ExecutionException.class).cause().isInstanceOf(ConsensusException.class);
        Throwable read = catchThrowable(() -> alone.readBarrier().get(20, TimeUnit.SECONDS));
        assertThat(read).isInstanceOf(ExecutionException.class).cause().isInstanceOf(ConsensusException.class);
        assertThat(three.get(2).sm().applied).as("local state stays readable").contains("before");
    }

    @Test
    void aLearnerCatchesUpFromASnapshotIsPromotedAndAVoterIsRemoved() throws Exception {
        List<Member> three = startThree(20);
        for (int i = 0; i < 100; i++) {
            propose(three.get(i % 3), "s" + i);
        }
        // The snapshot is taken after apply; wait until every member has one, so the log is truncated.
        Thread.sleep(500);
        PeerAddress fourth = new PeerAddress("127.0.0.1", JRaftConsensusEngineTest.freePort());
        Member m4 = start("m4", fourth, List.of(), 20);
        Membership before = membership(three);
        assertThat(before.voters()).hasSize(3);
        reconfigure(three, new Membership(before.voters(), Set.of(fourth)));
        await("the learner catches up", () -> m4.sm().applied.contains("s99"));
        assertThat(m4.sm().snapshotsLoaded).as("a new member behind a truncated log installs a snapshot").isPositive();
        assertThat(three.stream().mapToLong(m -> m.sm().checkpointsWritten).sum())
                .as("a leader wrote its state for the install").isPositive();
        assertThat(membership(three).learners()).containsExactly(fourth);

        List<Member> all = List.of(three.get(0), three.get(1), three.get(2), m4);
        Set<PeerAddress> four = new java.util.HashSet<>(before.voters());
        four.add(fourth);
        // As the cluster layer does: a promotion that did not catch up in time is tried again.
        await("the learner is promoted", () -> {
            try {
                reconfigure(all, new Membership(four, Set.of()));
                return true;
            } catch (Exception notYet) {
                return false;
            }
        });
        assertThat(membership(all)).isEqualTo(new Membership(four, Set.of()));

        Member now = leader(all);
        List<Member> followers = three.stream().filter(m -> m != now).toList();
        Member removed = followers.get(0);
        Set<PeerAddress> rest = new java.util.HashSet<>(four);
        rest.remove(removed.address());
        reconfigure(all, new Membership(rest, Set.of()));
        removed.engine().close();
        // Three voters left (two originals, the promoted learner): losing one more original still leaves
        // a quorum only if the promoted member counts.
        Member other = followers.get(1);
        other.engine().close();
        Member kept = three.stream().filter(m -> m != removed && m != other).findFirst().orElseThrow();
        propose(kept, "with-m4-in-quorum");
        await("the promoted member applies", () -> m4.sm().applied.contains("with-m4-in-quorum"));
    }

    @Test
    void leadershipMovesOnRequestAndCallsReachTheLeaderOrAnyMember() throws Exception {
        List<Member> three = startThree(0);
        Member lead = leader(three);
        Member follower = three.stream().filter(m -> m != lead).findFirst().orElseThrow();
        // The leader knows it leads a heartbeat before its followers know it.
        await("the follower knows the leader",
                () -> follower.engine().status().leader().equals(java.util.Optional.of(lead.address())));
        assertThat(new String(follower.engine().callLeader("hi".getBytes(StandardCharsets.UTF_8))
                .get(10, TimeUnit.SECONDS), StandardCharsets.UTF_8)).isEqualTo(lead.name() + ":hi");
        assertThat(new String(lead.engine().callMember(follower.address(), "yo".getBytes(StandardCharsets.UTF_8))
                .get(10, TimeUnit.SECONDS), StandardCharsets.UTF_8)).isEqualTo(follower.name() + ":yo");
        Throwable notLeader = catchThrowable(() -> follower.engine().membership());
        assertThat(notLeader).isInstanceOf(ConsensusException.class);
        assertThat(((ConsensusException) notLeader).reason()).isEqualTo(ConsensusException.Reason.NOT_LEADER);

        lead.engine().transferLeadership(follower.address()).get(10, TimeUnit.SECONDS);
        assertThat(follower.engine().status().isLeader()).isTrue();
        propose(lead, "after-transfer");
        lead.engine().readBarrier().get(10, TimeUnit.SECONDS);
        assertThat(lead.sm().applied).contains("after-transfer");
    }
}
