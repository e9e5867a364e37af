package io.tern.api.maintenance;

import io.tern.api.cluster.ClusterMembers;
import io.tern.api.cluster.ResponseHeaders;
import io.tern.api.error.EtcdError;
import io.tern.api.mvcc.KvStore;
import io.tern.api.proto.etcdserverpb.Member;
import io.tern.api.proto.etcdserverpb.MoveLeaderRequest;
import io.tern.api.proto.etcdserverpb.MoveLeaderResponse;
import io.tern.api.proto.etcdserverpb.StatusResponse;
import io.tern.spi.consensus.ConsensusEngine;
import io.tern.spi.consensus.ConsensusException;
import io.tern.spi.consensus.ConsensusStatus;
import io.tern.spi.storage.StorageStats;

import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/** The parts of etcd's Maintenance service that report on this member or steer leadership. */
public final class MaintenanceService {
    /** The etcd API level Tern implements, reported where etcd reports its server version. */
    public static final String ETCD_VERSION = "3.5.0";

    private final ConsensusEngine consensus;
    private final Supplier<KvStore> store;
    private final ResponseHeaders headers;
    private final ClusterMembers members;

    public MaintenanceService(ConsensusEngine consensus, Supplier<KvStore> store, ResponseHeaders headers,
                              ClusterMembers members) {
        this.consensus = consensus;
        this.store = store;
        this.headers = headers;
        this.members = members;
    }

    /** This member's view: leader id (0 when none), raft index and term, applied index, learner or not. */
    public StatusResponse status() {
        ConsensusStatus cs = consensus.status();
        KvStore s = store.get();
        StorageStats stats = s.stats();
        ClusterMembers.View view = members.view();
        return StatusResponse.newBuilder()
                .setHeader(headers.header(s.currentRevision(), cs.term()))
                .setVersion(ETCD_VERSION)
                .setDbSize(stats.totalBytes())
                .setDbSizeInUse(stats.inUseBytes())
                .setLeader(cs.leader().map(view::idOf).orElse(0L))
                .setRaftIndex(cs.commitIndex())
                .setRaftTerm(cs.term())
                .setRaftAppliedIndex(cs.appliedIndex())
                .setIsLearner(view.byId(headers.memberId()).map(Member::getIsLearner).orElse(false))
                .build();
    }

    /**
     * etcd's MoveLeader: only the leader moves leadership, only to a voting member; completes once the
     * target leads.
     */
    public CompletableFuture<MoveLeaderResponse> moveLeader(MoveLeaderRequest r) {
        ConsensusStatus cs = consensus.status();
        if (!cs.isLeader()) {
            return CompletableFuture.failedFuture(EtcdError.NOT_LEADER.exception());
        }
        Member target = members.view().byId(r.getTargetID()).filter(m -> !m.getIsLearner())
                .orElseThrow(EtcdError.BAD_LEADER_TRANSFEREE::exception);
        if (target.getID() == headers.memberId()) {
            return CompletableFuture.completedFuture(response());
        }
        return consensus.transferLeadership(ClusterMembers.address(target))
                .exceptionallyCompose(t -> {
                    Throwable c = t.getCause() != null ? t.getCause() : t;
                    return CompletableFuture.failedFuture(c instanceof ConsensusException ce
                            && ce.reason() == ConsensusException.Reason.TIMEOUT
                            ? EtcdError.TIMEOUT_LEADER_TRANSFER.exception() : c);
                })
                .thenApply(v -> response());
    }

    private MoveLeaderResponse response() {
        return MoveLeaderResponse.newBuilder()
                .setHeader(headers.header(store.get().currentRevision(), consensus.term())).build();
    }
}
