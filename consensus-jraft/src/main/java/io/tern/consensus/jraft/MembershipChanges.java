package io.tern.consensus.jraft;

import com.alipay.sofa.jraft.Node;
import com.alipay.sofa.jraft.Status;
import com.alipay.sofa.jraft.conf.Configuration;
import com.alipay.sofa.jraft.entity.PeerId;
import com.alipay.sofa.jraft.error.RaftError;
import io.tern.spi.consensus.ConsensusException;
import io.tern.spi.consensus.Membership;
import io.tern.spi.consensus.PeerAddress;

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
 * caught up with the log.
 */
final class MembershipChanges {
    private MembershipChanges() {
    }

    static Membership current(Node n) {
        try {
            return new Membership(addresses(n.listPeers()), addresses(n.listLearners()));
        } catch (IllegalStateException notLeader) {
            throw new ConsensusException(ConsensusException.Reason.NOT_LEADER, "etcdserver: not leader");
        }
    }

    static CompletableFuture<Void> reconfigure(Node n, Membership target) {
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
                steps = steps.thenCompose(v -> run(done -> n.removeLearners(peers(promoted), done)));
            }
            Configuration next = new Configuration(peers(target.voters()), peers(learners));
            steps = steps.thenCompose(v -> run(done -> n.changePeers(next, done)));
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

    /** Asks {@code to} to take over and completes once this member sees it lead. */
    static CompletableFuture<Void> transfer(Node n, PeerAddress to, ScheduledExecutorService timer, long waitMillis) {
        Status st = n.transferLeadershipTo(peer(to));
        if (!st.isOk()) {
            return CompletableFuture.failedFuture(failure(st));
        }
        CompletableFuture<Void> f = new CompletableFuture<>();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMillis);
        Runnable[] check = new Runnable[1];
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
        timer.schedule(check[0], 20, TimeUnit.MILLISECONDS);
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
