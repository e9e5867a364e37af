package io.tern.api.cluster;

import io.tern.api.apply.Proposer;
import io.tern.api.peer.PeerClient;
import io.tern.api.proto.etcdserverpb.Member;
import io.tern.api.proto.peer.AppliedIndexRequest;
import io.tern.api.proto.peer.PeerRequest;
import io.tern.api.proto.raft.ClusterInit;
import io.tern.api.proto.raft.RaftRequest;
import io.tern.spi.consensus.ConsensusEngine;
import io.tern.spi.consensus.ConsensusException;
import io.tern.spi.consensus.ConsensusStatus;
import io.tern.spi.consensus.Membership;
import io.tern.spi.consensus.PeerAddress;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * On the leader, keeps the consensus configuration in line with the member records:
 * <ul>
 *   <li>a new cluster's first leader records the bootstrap members (a {@link ClusterInit} entry);</li>
 *   <li>a recorded member the configuration lacks joins as a learner, voter or not, so that a member
 *       that has not started yet never counts towards quorum;</li>
 *   <li>a voter by record that is still a learner becomes a voter once it has caught up;</li>
 *   <li>an address no record names leaves the configuration.</li>
 * </ul>
 * One thread, woken by every membership change and every {@code interval}; each pass makes at most one
 * configuration change and waits for it.
 */
public final class MemberReconciler implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(MemberReconciler.class.getName());
    /** A learner this close to the commit index (in entries) is caught up enough to vote. */
    static final long CAUGHT_UP_ENTRIES = 500;

    private final ConsensusEngine consensus;
    private final ClusterMembers members;
    private final Proposer proposer;
    private final PeerClient peers;
    private final Duration interval;
    private final Duration timeout;
    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "tern-member-reconciler");
        t.setDaemon(true);
        return t;
    });
    private String lastFailure = "";

    /**
     * @param interval how often the leader checks without being woken
     * @param timeout  how long one change may take
     */
    public MemberReconciler(ConsensusEngine consensus, ClusterMembers members, Proposer proposer, PeerClient peers,
                            Duration interval, Duration timeout) {
        this.consensus = consensus;
        this.members = members;
        this.proposer = proposer;
        this.peers = peers;
        this.interval = interval;
        this.timeout = timeout;
    }

    public void start() {
        members.listen(v -> wake());
        executor.scheduleWithFixedDelay(this::pass, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Runs a pass soon (a membership change was applied). */
    public void wake() {
        try {
            executor.execute(this::pass);
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            // shutting down
        }
    }

    private void pass() {
        try {
            reconcile();
            lastFailure = "";
        } catch (Exception e) {
            Throwable c = e instanceof java.util.concurrent.ExecutionException && e.getCause() != null ? e.getCause() : e;
            String msg = String.valueOf(c.getMessage());
            if (!msg.equals(lastFailure)) {
                LOG.log(System.Logger.Level.INFO, "membership change not done yet, will retry: {0}", msg);
                lastFailure = msg;
            }
        }
    }

    private void reconcile() throws Exception {
        ConsensusStatus status = consensus.status();
        if (!status.isLeader()) {
            return;
        }
        ClusterMembers.View view = members.view();
        if (!view.recorded()) {
            ClusterMembers.View boot = members.bootstrap();
            if (boot.clusterId() != 0) {
                proposer.propose(RaftRequest.newBuilder().setClusterInit(ClusterInit.newBuilder()
                                .setClusterId(boot.clusterId()).addAllMembers(boot.members())).build(), Boolean.class)
                        .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            }
            return;
        }
        Membership now;
        try {
            now = consensus.membership();
        } catch (ConsensusException notLeader) {
            return;
        }
        Set<PeerAddress> voters = new HashSet<>();
        Set<PeerAddress> learners = new HashSet<>();
        for (Member m : view.members()) {
            PeerAddress a = ClusterMembers.address(m);
            if (!m.getIsLearner() && (now.voters().contains(a) || (now.learners().contains(a) && caughtUp(a, status)))) {
                voters.add(a);
            } else {
                learners.add(a);
            }
        }
        Membership target = new Membership(voters, learners);
        if (!target.equals(now) && !voters.isEmpty()) {
            LOG.log(System.Logger.Level.INFO, "changing raft configuration from {0} to {1}", now, target);
            consensus.reconfigure(target).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private boolean caughtUp(PeerAddress learner, ConsensusStatus status) {
        try {
            long applied = peers.member(learner,
                            PeerRequest.newBuilder().setAppliedIndex(AppliedIndexRequest.getDefaultInstance()).build())
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS).getAppliedIndex();
            return status.commitIndex() - applied <= CAUGHT_UP_ENTRIES;
        } catch (Exception unreachable) {
            return false;
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
