package io.tern.api.cluster;

import io.tern.api.apply.Proposer;
import io.tern.api.error.EtcdError;
import io.tern.api.mvcc.KvStore;
import io.tern.api.peer.PeerClient;
import io.tern.api.proto.etcdserverpb.Member;
import io.tern.api.proto.etcdserverpb.MemberAddRequest;
import io.tern.api.proto.etcdserverpb.MemberAddResponse;
import io.tern.api.proto.etcdserverpb.MemberListRequest;
import io.tern.api.proto.etcdserverpb.MemberListResponse;
import io.tern.api.proto.etcdserverpb.MemberPromoteRequest;
import io.tern.api.proto.etcdserverpb.MemberPromoteResponse;
import io.tern.api.proto.etcdserverpb.MemberRemoveRequest;
import io.tern.api.proto.etcdserverpb.MemberRemoveResponse;
import io.tern.api.proto.etcdserverpb.MemberUpdateRequest;
import io.tern.api.proto.etcdserverpb.MemberUpdateResponse;
import io.tern.api.proto.peer.AppliedIndexRequest;
import io.tern.api.proto.peer.PeerRequest;
import io.tern.api.proto.raft.MemberAdd;
import io.tern.api.proto.raft.RaftRequest;
import io.tern.spi.consensus.ConsensusEngine;
import io.tern.spi.consensus.PeerAddress;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * etcd's Cluster service. Membership changes are log entries that edit the replicated member records;
 * the {@link MemberReconciler} on the leader then brings the consensus configuration in line with them.
 * Promotion is decided on the leader, which alone compares a learner's progress with the log.
 */
public final class ClusterService {
    /** etcd promotes a learner once it has applied this share of the leader's log. */
    static final double LEARNER_READY = 0.9;

    private final Proposer proposer;
    private final ClusterMembers members;
    private final PeerClient peers;
    private final ResponseHeaders headers;
    private final Supplier<KvStore> store;
    private final String clusterToken;
    private final int maxLearners;
    private final LongSupplier epochSeconds;

    /**
     * @param clusterToken part of the id of every member added ({@code --initial-cluster-token})
     * @param maxLearners  {@code --max-learners}
     * @param epochSeconds the wall clock in seconds, for new member ids
     */
    public ClusterService(Proposer proposer, ClusterMembers members, PeerClient peers, ResponseHeaders headers,
                          Supplier<KvStore> store, String clusterToken, int maxLearners, LongSupplier epochSeconds) {
        this.proposer = proposer;
        this.members = members;
        this.peers = peers;
        this.headers = headers;
        this.store = store;
        this.clusterToken = clusterToken;
        this.maxLearners = maxLearners;
        this.epochSeconds = epochSeconds;
    }

    /** The members as this member knows them; with {@code linearizable}, after a read barrier. */
    public CompletableFuture<MemberListResponse> list(MemberListRequest r) {
        CompletableFuture<Void> ready = r.getLinearizable() ? consensus().readBarrier()
                : CompletableFuture.completedFuture(null);
        return ready.thenApply(v -> MemberListResponse.newBuilder().setHeader(header())
                .addAllMembers(members.view().members()).build());
    }

    public CompletableFuture<MemberAddResponse> add(MemberAddRequest r) {
        checkUrls(r.getPeerURLsList());
        long id = MemberIds.addedMemberId(r.getPeerURLsList(), clusterToken, epochSeconds.getAsLong());
        Member m = Member.newBuilder().setID(id).addAllPeerURLs(r.getPeerURLsList())
                .setIsLearner(r.getIsLearner()).build();
        RaftRequest add = RaftRequest.newBuilder()
                .setMemberAdd(MemberAdd.newBuilder().setMember(m).setMaxLearners(maxLearners)).build();
        return proposer.propose(add, MemberAddResponse.class);
    }

    /** Removes a member, through the leader when this member is not it (only the leader knows who is active). */
    public CompletableFuture<MemberRemoveResponse> remove(MemberRemoveRequest r) {
        if (consensus().status().isLeader()) {
            return removeAsLeader(r);
        }
        return peers.leader(PeerRequest.newBuilder().setMemberRemove(r).build())
                .thenApply(p -> p.getMemberRemove().toBuilder().setHeader(header()).build());
    }

    /** etcd's strict reconfiguration checks, on the leader, then the removal. */
    public CompletableFuture<MemberRemoveResponse> removeAsLeader(MemberRemoveRequest r) {
        List<Member> now = members.view().members();
        checkEnoughStartedAfterRemoving(now, r.getID());
        checkActiveAfterRemoving(now, r.getID(), consensus().activeVoters());
        return proposer.propose(RaftRequest.newBuilder().setMemberRemove(r).build(), MemberRemoveResponse.class);
    }

    /**
     * The other half of etcd's strict reconfiguration check: the voters that remain after removing a voter
     * must hold a quorum of members the leader currently hears from, else the cluster could be left unable
     * to commit ("etcdserver: unhealthy cluster"). Learners and unknown ids pass.
     */
    static void checkActiveAfterRemoving(List<Member> members, long id, Set<PeerAddress> active) {
        boolean voter = members.stream().anyMatch(m -> m.getID() == id && !m.getIsLearner());
        if (!voter) {
            return;
        }
        List<Member> remaining = members.stream().filter(m -> m.getID() != id && !m.getIsLearner()).toList();
        long reachable = remaining.stream().filter(m -> m.getPeerURLsCount() > 0
                && active.contains(ClusterMembers.address(m))).count();
        if (reachable < remaining.size() / 2 + 1) {
            throw EtcdError.UNHEALTHY.exception();
        }
    }

    /**
     * etcd's strict reconfiguration check: removing a voter must leave started voters (ones that have
     * announced their name) for a quorum of the voters that remain. Learners and unknown ids pass (the
     * latter are refused by the entry itself).
     */
    static void checkEnoughStartedAfterRemoving(List<Member> members, long id) {
        boolean voter = members.stream().anyMatch(m -> m.getID() == id && !m.getIsLearner());
        if (!voter) {
            return;
        }
        List<Member> remaining = members.stream().filter(m -> m.getID() != id && !m.getIsLearner()).toList();
        long started = remaining.stream().filter(m -> !m.getName().isEmpty()).count();
        if (started < remaining.size() / 2 + 1) {
            throw EtcdError.MEMBER_NOT_ENOUGH_STARTED.exception();
        }
    }

    public CompletableFuture<MemberUpdateResponse> update(MemberUpdateRequest r) {
        checkUrls(r.getPeerURLsList());
        return proposer.propose(RaftRequest.newBuilder().setMemberUpdate(r).build(), MemberUpdateResponse.class);
    }

    /** Promotes a learner, through the leader when this member is not it. */
    public CompletableFuture<MemberPromoteResponse> promote(MemberPromoteRequest r) {
        if (consensus().status().isLeader()) {
            return promoteAsLeader(r);
        }
        return peers.leader(PeerRequest.newBuilder().setMemberPromote(r).build())
                .thenApply(p -> p.getMemberPromote().toBuilder().setHeader(header()).build());
    }

    /**
     * etcd's rule, on the leader: only an existing learner that has applied at least
     * {@value #LEARNER_READY} of the committed log is promoted.
     */
    public CompletableFuture<MemberPromoteResponse> promoteAsLeader(MemberPromoteRequest r) {
        if (!consensus().status().isLeader()) {
            return CompletableFuture.failedFuture(EtcdError.NOT_LEADER.exception());
        }
        Member m = members.view().byId(r.getID()).orElseThrow(EtcdError.MEMBER_NOT_FOUND::exception);
        if (!m.getIsLearner()) {
            return CompletableFuture.failedFuture(EtcdError.MEMBER_NOT_LEARNER.exception());
        }
        long committed = consensus().status().commitIndex();
        return peers.member(ClusterMembers.address(m),
                        PeerRequest.newBuilder().setAppliedIndex(AppliedIndexRequest.getDefaultInstance()).build())
                .handle((p, t) -> t == null && p.getAppliedIndex() >= (long) (committed * LEARNER_READY))
                .thenCompose(ready -> ready
                        ? proposer.propose(RaftRequest.newBuilder().setMemberPromote(r).build(),
                                MemberPromoteResponse.class)
                        : CompletableFuture.failedFuture(EtcdError.LEARNER_NOT_READY.exception()));
    }

    private ConsensusEngine consensus() {
        return proposer.consensus();
    }

    private io.tern.api.proto.etcdserverpb.ResponseHeader header() {
        return headers.header(store.get().currentRevision(), consensus().term());
    }

    /** etcd accepts peer URLs as scheme://host:port with http or https; anything else is refused. */
    static void checkUrls(List<String> urls) {
        if (urls.isEmpty()) {
            throw EtcdError.MEMBER_BAD_URLS.exception();
        }
        for (String s : urls) {
            try {
                URI u = new URI(s);
                if (!("http".equals(u.getScheme()) || "https".equals(u.getScheme())) || u.getHost() == null
                        || u.getPort() < 1 || (u.getPath() != null && !u.getPath().isEmpty())) {
                    throw EtcdError.MEMBER_BAD_URLS.exception();
                }
            } catch (URISyntaxException e) {
                throw EtcdError.MEMBER_BAD_URLS.exception();
            }
        }
    }
}
