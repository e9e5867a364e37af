package io.tern.consensus.jraft;

import com.alipay.sofa.jraft.Node;
import com.alipay.sofa.jraft.Status;
import com.alipay.sofa.jraft.conf.Configuration;
import com.alipay.sofa.jraft.entity.PeerId;
import com.alipay.sofa.jraft.entity.Task;
import com.alipay.sofa.jraft.error.RaftError;
import io.tern.spi.consensus.ConsensusException;
import io.tern.spi.consensus.Membership;
import io.tern.spi.consensus.PeerAddress;

import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Membership changes on the leader, in jraft's terms. jraft keeps a learner's replicator as a learner's
 * (its acknowledgements never count towards commit) when the learner is simply listed as a voter, so a
 * promotion first drops the learner and then adds it as a voter, which jraft does only once it has
 * caught up with the log. A promotion that fails (not caught up in time) leaves the member out of the
 * configuration; the caller tries again (the cluster layer's reconciler re-adds it as a learner first).
 */
final class MembershipChanges {
    private static final long SETTLE_MILLIS = 200;
    private static final long NOOP_MILLIS = 100;

    private MembershipChanges() {
    }

    static Membership current(Node n) {
        try {
            return new Membership(addresses(n.listPeers()), addresses(n.listLearners()));
        } catch (IllegalStateException notLeader) {
            throw new ConsensusException(ConsensusException.Reason.NOT_LEADER, "etcdserver: not leader");
        }
    }

    /** Voters whose last replication round trip with the leader is recent (jraft's leader lease). */
    static Set<PeerAddress> activeVoters(Node n) {
        try {
            return addresses(n.listAlivePeers());
        } catch (IllegalStateException notLeader) {
            throw new ConsensusException(ConsensusException.Reason.NOT_LEADER, "etcdserver: not leader");
        }
    }

    static CompletableFuture<Void> reconfigure(Node n, Membership target, ScheduledExecutorService timer) {
        Membership now;
        try {
            now = current(n);
        } catch (ConsensusException e) {
            return CompletableFuture.failedFuture(e);
        }
        if (target.voters().isEmpty()) {
            return CompletableFuture.failedFuture(new ConsensusException(ConsensusException.Reason.REJECTED,
                    "a group needs at least one voter"));
        }
        CompletableFuture<Void> steps = CompletableFuture.completedFuture(null);
        Set<PeerAddress> learners = new HashSet<>(now.learners());
        if (!now.voters().equals(target.voters())) {
            Set<PeerAddress> promoted = new HashSet<>(target.voters());
            promoted.retainAll(now.learners());
            learners.removeAll(promoted);
            if (!promoted.isEmpty()) {
                // jraft stops the learners' replicators when that change settles, possibly after its
                // closure ran: give it a moment, so the stop cannot hit the voter replicator added next.
                steps = steps.thenCompose(v -> run(done -> n.removeLearners(peers(promoted), done)))
                        .thenCompose(v -> CompletableFuture.runAsync(() -> { },
                                CompletableFuture.delayedExecutor(SETTLE_MILLIS, TimeUnit.MILLISECONDS)));
            }
            Configuration next = new Configuration(peers(target.voters()), peers(learners));
            steps = steps.thenCompose(v -> keepAppending(n, timer, run(done -> n.changePeers(next, done))));
        }
        Set<PeerAddress> adding = new HashSet<>(target.learners());
        adding.removeAll(learners);
        Set<PeerAddress> removing = new HashSet<>(learners);
        removing.removeAll(target.learners());
        if (!adding.isEmpty()) {
            steps = steps.thenCompose(v -> run(done -> n.addLearners(peers(adding), done)));
        }
        if (!removing.isEmpty()) {
            steps = steps.thenCompose(v -> run(done -> n.removeLearners(peers(removing), done)));
        }
        return steps;
    }

    /**
     * jraft lets a new voter in only once it has caught up, and learns that only from answers to appends:
     * in a quiet group it would wait forever (holding every later change back). While {@code change} is
     * pending, empty entries (which the state machine never sees) keep appends going.
     */
    private static CompletableFuture<Void> keepAppending(Node n, ScheduledExecutorService timer,
                                                         CompletableFuture<Void> change) {
        var poke = timer.scheduleWithFixedDelay(() -> n.apply(new Task(ByteBuffer.allocate(0), null)),
                NOOP_MILLIS, NOOP_MILLIS, TimeUnit.MILLISECONDS);
        return change.whenComplete((v, t) -> poke.cancel(false));
    }

    /** Asks {@code to} to take over and completes once this member sees it lead. */
    static CompletableFuture<Void> transfer(Node n, PeerAddress to, ScheduledExecutorService timer, long waitMillis) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMillis);
        Runnable[] check = new Runnable[1];
        Runnable[] ask = new Runnable[1];
        ask[0] = () -> {
            Status st = n.transferLeadershipTo(peer(to));
            if (st.isOk()) {
                timer.schedule(check[0], 20, TimeUnit.MILLISECONDS);
            } else if (st.getRaftError() == RaftError.EBUSY && System.nanoTime() - deadline < 0) {
                // a configuration change is settling (a new leader's first entry, say): ask again
                timer.schedule(ask[0], 50, TimeUnit.MILLISECONDS);
            } else {
                f.completeExceptionally(failure(st));
            }
        };
        check[0] = () -> {
            PeerId leader = n.getLeaderId();
            if (leader != null && !leader.isEmpty() && leader.equals(peer(to))) {
                f.complete(null);
            } else if (System.nanoTime() - deadline > 0) {
                f.completeExceptionally(new ConsensusException(ConsensusException.Reason.TIMEOUT,
                        "leadership did not move to " + to + " in time"));
            } else {
                timer.schedule(check[0], 20, TimeUnit.MILLISECONDS);
            }
        };
        ask[0].run();
        return f;
    }

    private static CompletableFuture<Void> run(java.util.function.Consumer<com.alipay.sofa.jraft.Closure> change) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        change.accept(status -> {
            if (status.isOk()) {
                f.complete(null);
            } else {
                f.completeExceptionally(failure(status));
            }
        });
        return f;
    }

    private static ConsensusException failure(Status st) {
        RaftError e = st.getRaftError();
        ConsensusException.Reason reason = e == RaftError.EPERM ? ConsensusException.Reason.NOT_LEADER
                : ConsensusException.Reason.REJECTED;
        return new ConsensusException(reason, "raft: " + st);
    }

    static PeerId peer(PeerAddress a) {
        return new PeerId(a.host(), a.port());
    }

    private static List<PeerId> peers(Set<PeerAddress> as) {
        return as.stream().map(MembershipChanges::peer).toList();
    }

    private static Set<PeerAddress> addresses(List<PeerId> ids) {
        return ids.stream().map(p -> new PeerAddress(p.getIp(), p.getPort())).collect(Collectors.toSet());
    }
}
