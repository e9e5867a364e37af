package io.tern.api.maintenance;

import io.tern.api.apply.Proposer;
import io.tern.api.cluster.ClusterMembers;
import io.tern.api.cluster.ResponseHeaders;
import io.tern.api.error.EtcdError;
import io.tern.api.mvcc.KvSnapshot;
import io.tern.api.mvcc.KvStore;
import io.tern.api.proto.etcdserverpb.AlarmMember;
import io.tern.api.proto.etcdserverpb.AlarmRequest;
import io.tern.api.proto.etcdserverpb.AlarmResponse;
import io.tern.api.proto.etcdserverpb.AlarmType;
import io.tern.api.proto.etcdserverpb.DefragmentResponse;
import io.tern.api.proto.etcdserverpb.HashKVRequest;
import io.tern.api.proto.etcdserverpb.HashKVResponse;
import io.tern.api.proto.etcdserverpb.HashResponse;
import io.tern.api.proto.etcdserverpb.Member;
import io.tern.api.proto.etcdserverpb.MoveLeaderRequest;
import io.tern.api.proto.etcdserverpb.MoveLeaderResponse;
import io.tern.api.proto.etcdserverpb.SnapshotResponse;
import io.tern.api.proto.etcdserverpb.StatusResponse;
import io.tern.api.proto.raft.RaftRequest;
import io.tern.spi.consensus.ConsensusEngine;
import io.tern.spi.consensus.ConsensusException;
import io.tern.spi.consensus.ConsensusStatus;
import io.tern.spi.storage.StorageStats;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * etcd's Maintenance service: status, leadership, alarms, checksums, defragmentation and snapshots.
 * Alarms go through the log; checksums, defragmentation and snapshots are this member's own.
 */
public final class MaintenanceService {
    private static final System.Logger LOG = System.getLogger(MaintenanceService.class.getName());
    /** The etcd API level Tern implements, reported where etcd reports its server version. */
    public static final String ETCD_VERSION = "3.5.0";

    private final ConsensusEngine consensus;
    private final Supplier<KvStore> store;
    private final ResponseHeaders headers;
    private final ClusterMembers members;
    private final Proposer proposer;
    private final Alarms alarms;
    /** One defragmentation at a time, off the caller's thread. */
    private final ExecutorService defragmenter = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "tern-defragment");
        t.setDaemon(true);
        return t;
    });

    public MaintenanceService(Proposer proposer, Supplier<KvStore> store, ResponseHeaders headers,
                              ClusterMembers members, Alarms alarms) {
        this.proposer = proposer;
        this.alarms = alarms;
        this.consensus = proposer.consensus();
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
                // etcd lists raised alarms in the proto text form of each AlarmMember.
                .addAllErrors(alarms.list(AlarmType.NONE).stream()
                        .map(a -> "memberID:" + Long.toUnsignedString(a.getMemberID()) + " alarm:" + a.getAlarm() + " ")
                        .toList())
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

    /** etcd's Alarm: every action, GET included, goes through the log, so the answer is the cluster's. */
    public CompletableFuture<AlarmResponse> alarm(AlarmRequest r) {
        if (r.getAction() == AlarmRequest.AlarmAction.UNRECOGNIZED || r.getAlarm() == AlarmType.UNRECOGNIZED) {
            return CompletableFuture.failedFuture(EtcdError.UNKNOWN_ALARM.exception());
        }
        return proposer.propose(RaftRequest.newBuilder().setAlarm(r).build(), AlarmResponse.class);
    }

    /** The alarms this member has applied, of {@code type} (all for NONE); for probes and metrics. */
    public List<AlarmMember> alarms(AlarmType type) {
        return alarms.list(type);
    }

    /** etcd's Hash: a checksum of everything this member stores. */
    public HashResponse hash() {
        KvStore s = store.get();
        int hash = s.hashAll();
        return HashResponse.newBuilder().setHeader(headers.header(s.currentRevision(), consensus.term()))
                .setHash(hash).build();
    }

    /** etcd's HashKV: equal on every member that applied the log up to the revision. */
    public HashKVResponse hashKv(HashKVRequest r) {
        KvStore.KvHash h = store.get().hashKv(r.getRevision());
        return HashKVResponse.newBuilder().setHeader(headers.header(h.currentRevision(), consensus.term()))
                .setHash(h.hash()).setCompactRevision(h.compactRevision()).setHashRevision(h.hashRevision())
                .build();
    }

    /** etcd's Defragment of this member's store; the answer comes when it is done. Writes go on. */
    public CompletableFuture<DefragmentResponse> defragment() {
        return CompletableFuture.supplyAsync(() -> {
            KvStore s = store.get();
            long started = System.nanoTime();
            long before = s.stats().totalBytes();
            s.defragment();
            LOG.log(System.Logger.Level.INFO, "defragmented in {0} ms: {1} -> {2} bytes",
                    (System.nanoTime() - started) / 1_000_000, before, s.stats().totalBytes());
            return DefragmentResponse.newBuilder()
                    .setHeader(headers.header(s.currentRevision(), consensus.term())).build();
        }, defragmenter);
    }

    /**
     * etcd's Snapshot: a point-in-time copy of this member's store, sent to {@code send} as the Snapshot
     * messages (blobs with the bytes still to come, the SHA-256 last) on the calling thread, which the
     * receiver may hold up. Stops with {@link java.util.concurrent.CancellationException} once
     * {@code cancelled} answers true.
     */
    public void snapshot(Consumer<SnapshotResponse> send, BooleanSupplier cancelled) throws IOException {
        try (KvSnapshot snapshot = store.get().snapshot()) {
            SnapshotSender.send(snapshot, headers.header(snapshot.revision(), consensus.term()), send, cancelled);
        }
    }

    /**
     * Lets a running defragmentation go on without interrupting it (an interrupt would close the engine's
     * files under it); it ends at its next step once the store is closed.
     */
    public void close() {
        defragmenter.shutdown();
    }

    private MoveLeaderResponse response() {
        return MoveLeaderResponse.newBuilder()
                .setHeader(headers.header(store.get().currentRevision(), consensus.term())).build();
    }
}
