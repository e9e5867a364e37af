package io.tern.api.apply;

import com.google.protobuf.InvalidProtocolBufferException;
import io.tern.api.auth.AuthApply;
import io.tern.api.auth.AuthStore;
import io.tern.api.cluster.ClusterMembers;
import io.tern.api.proto.raft.AuthApplied;
import io.tern.api.proto.raft.AuthChange;
import io.tern.api.proto.raft.AuthData;
import io.tern.api.cluster.MemberApply;
import io.tern.api.cluster.ResponseHeaders;
import io.tern.api.proto.etcdserverpb.Member;
import io.tern.api.proto.etcdserverpb.MemberAddResponse;
import io.tern.api.proto.etcdserverpb.MemberPromoteResponse;
import io.tern.api.proto.etcdserverpb.MemberRemoveResponse;
import io.tern.api.proto.etcdserverpb.MemberUpdateResponse;
import io.tern.api.error.EtcdError;
import io.tern.api.error.EtcdException;
import io.tern.api.maintenance.Alarms;
import io.tern.api.maintenance.Quota;
import io.tern.api.kv.TxnApply;
import io.tern.api.mvcc.KvStore;
import io.tern.api.mvcc.KvStoreTxn;
import io.tern.api.lease.Lessor;
import io.tern.api.mvcc.KvChange;
import io.tern.api.proto.etcdserverpb.CompactionResponse;
import io.tern.api.proto.etcdserverpb.LeaseGrantRequest;
import io.tern.api.proto.etcdserverpb.LeaseGrantResponse;
import io.tern.api.proto.etcdserverpb.LeaseRevokeResponse;
import io.tern.api.proto.raft.RaftRequest;
import io.tern.spi.consensus.LogEntry;
import io.tern.spi.consensus.StateMachine;
import io.tern.spi.storage.StorageConfig;
import io.tern.spi.storage.StorageContext;
import io.tern.spi.storage.StorageEngine;
import io.tern.spi.failpoint.Failpoint;
import io.tern.spi.failpoint.Failpoints;
import io.tern.spi.storage.StorageProvider;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Applies committed {@link RaftRequest}s to the {@link KvStore}. All entries of one {@link #apply} call
 * share one storage batch, written together with the last entry's index.
 *
 * <p>An entry's result is its response message, or the {@link EtcdException} etcd would answer with (a
 * rejected request changes nothing), or, for a physical compaction, a future of the response that
 * completes when the old versions are gone.
 */
public final class KvStateMachine implements StateMachine {
    private static final System.Logger LOG = System.getLogger(KvStateMachine.class.getName());

    private final StorageProvider provider;
    private final StorageConfig storageConfig;
    private final StorageContext context;
    private final ResponseHeaders headers;
    private final Lessor lessor;
    private final Duration leaderExtend;
    private final ClusterMembers members;
    private final AuthStore auth;
    private final Alarms alarms;
    /** Passed between restoring a snapshot's store and opening it ({@code applySnapshotAfterRestore}). */
    private final Failpoint afterRestore;
    private final List<CommitListener> listeners = new CopyOnWriteArrayList<>();
    private volatile KvStore store;

    /** Told of every commit, on the apply thread, after readers can see it. */
    @FunctionalInterface
    public interface CommitListener {
        /**
         * @param changes  the key changes of the commit in revision order (the list is not retained by the caller)
         * @param revision the store's revision after the commit
         */
        void committed(List<KvChange> changes, long revision);

        /** The whole store was replaced by an installed snapshot: changes may have been skipped. */
        default void replaced() {
        }
    }

    /**
     * @param lessor       the lease view this state machine keeps up to date
     * @param leaderExtend extra time every lease gets when this member becomes leader (etcd: the election timeout)
     * @param members      the member view this state machine keeps up to date
     * @param auth         the auth view this state machine keeps up to date
     * @param alarms       the alarm view this state machine keeps up to date
     */
    public KvStateMachine(StorageProvider provider, StorageConfig storageConfig, StorageContext context,
                          ResponseHeaders headers, Lessor lessor, Duration leaderExtend, ClusterMembers members,
                          AuthStore auth, Alarms alarms) {
        this.provider = provider;
        this.storageConfig = storageConfig;
        this.context = context;
        this.afterRestore = context.failpoints().point(Failpoints.Name.APPLY_SNAPSHOT_AFTER_RESTORE);
        this.headers = headers;
        this.lessor = lessor;
        this.leaderExtend = leaderExtend;
        this.members = members;
        this.auth = auth;
        this.alarms = alarms;
        this.store = KvStore.open(provider.create(storageConfig, context), context.failpoints());
        reloadViews();
    }

    /** Adds a listener; call before consensus starts so that no commit is missed. */
    public void listen(CommitListener listener) {
        listeners.add(listener);
    }

    /** The store readers use; replaced when a snapshot is installed. */
    public KvStore store() {
        return store;
    }

    @Override
    public long appliedIndex() {
        return store.appliedIndex();
    }

    @Override
    public List<Object> apply(List<LogEntry> entries) {
        KvStore s = store;
        long applied = s.appliedIndex();
        List<Object> results = new ArrayList<>(entries.size());
        List<Runnable> afterCommit = new ArrayList<>();
        boolean[] membership = {false};
        KvStoreTxn txn = s.beginWrite();
        long last = applied;
        try {
            for (LogEntry e : entries) {
                // Commands of one log entry share its index; none may be at or below what the store holds.
                if (e.index() <= applied || e.index() < last) {
                    throw new IllegalStateException("log entry " + e.index() + " handed over again; the store has applied "
                            + applied + ", this batch up to " + last);
                }
                results.add(applyOne(s, txn, e, afterCommit, membership));
                last = e.index();
            }
            txn.commit(last);
        } catch (RuntimeException | Error e) {
            txn.abandon();
            alarms.abandoned();
            throw e;
        }
        alarms.committed();
        // The batch is durable and applied: a failure past this point must not fail the entries.
        try {
            afterCommit.forEach(Runnable::run);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "lease or auth bookkeeping failed after applying index " + last, e);
        }
        if (membership[0]) {
            try {
                members.reload(s);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "reloading members failed after applying index " + last, e);
            }
        }
        if (!txn.changes().isEmpty()) {
            for (CommitListener l : listeners) {
                try {
                    l.committed(txn.changes(), s.currentRevision());
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.ERROR, "commit listener failed at revision " + s.currentRevision(), e);
                }
            }
        }
        return results;
    }

    @Override
    public void onLeaderStart(long term) {
        lessor.promote(leaderExtend);
    }

    @Override
    public void onLeaderStop() {
        lessor.demote();
    }

    private static AuthData authData(byte[] record) {
        if (record == null) {
            return AuthApply.initial();
        }
        try {
            return AuthData.parseFrom(record);
        } catch (InvalidProtocolBufferException ex) {
            throw new IllegalStateException("undecodable auth record in the store", ex);
        }
    }

    /** Rebuilds the lease, member and auth views from the store (start-up, snapshot install). */
    private void reloadViews() {
        resetLessor();
        members.reload(store);
        auth.reload(authData(store.authData()));
        alarms.reload(store.alarms());
    }

    private void resetLessor() {
        Map<Long, Long> ttls = new HashMap<>();
        store.leases(ttls::put);
        lessor.reset(ttls);
    }

    private Object applyOne(KvStore s, KvStoreTxn txn, LogEntry e, List<Runnable> afterCommit, boolean[] membership) {
        RaftRequest request;
        try {
            request = RaftRequest.parseFrom(e.data());
        } catch (InvalidProtocolBufferException ex) {
            throw new IllegalStateException("undecodable log entry " + e.index() + " (term " + e.term() + ")", ex);
        }
        txn.beginEntry();
        try {
            Object result = switch (request.getRequestCase()) {
                case PUT -> {
                    refuseWhenOutOfSpace();
                    var b = txn.put(request.getPut());
                    yield b.setHeader(headers.header(txn.endEntry(), e.term())).build();
                }
                case DELETE_RANGE -> {
                    var b = txn.deleteRange(request.getDeleteRange());
                    yield b.setHeader(headers.header(txn.endEntry(), e.term())).build();
                }
                case TXN -> {
                    if (Quota.puts(request.getTxn())) {
                        refuseWhenOutOfSpace();
                    }
                    var b = TxnApply.apply(txn, request.getTxn());
                    yield b.setHeader(headers.header(txn.endEntry(), e.term())).build();
                }
                case COMPACTION -> {
                    long rev = request.getCompaction().getRevision();
                    txn.compact(rev);
                    CompactionResponse resp = CompactionResponse.newBuilder()
                            .setHeader(headers.header(txn.endEntry(), e.term())).build();
                    if (request.getCompaction().getPhysical()) {
                        // The store is swapped only by snapshot install, on this thread: s stays valid.
                        yield s.compactionDone(rev).thenApply(v -> resp);
                    }
                    yield resp;
                }
                case LEASE_GRANT -> {
                    refuseWhenOutOfSpace();
                    LeaseGrantRequest g = request.getLeaseGrant();
                    txn.grantLease(g.getID(), g.getTTL());
                    afterCommit.add(() -> lessor.granted(g.getID(), g.getTTL()));
                    yield LeaseGrantResponse.newBuilder().setHeader(headers.header(txn.endEntry(), e.term()))
                            .setID(g.getID()).setTTL(g.getTTL()).build();
                }
                case LEASE_REVOKE -> {
                    long id = request.getLeaseRevoke().getID();
                    txn.revokeLease(id);
                    afterCommit.add(() -> lessor.revoked(id));
                    yield LeaseRevokeResponse.newBuilder().setHeader(headers.header(txn.endEntry(), e.term())).build();
                }
                case LEASE_EXPIRE -> {
                    // Each lease at its own revision, like separate revokes; ones already gone are skipped.
                    int revoked = 0;
                    for (long id : request.getLeaseExpire().getIdsList()) {
                        if (txn.leaseExists(id)) {
                            txn.beginEntry();
                            txn.revokeLease(id);
                            txn.endEntry();
                            afterCommit.add(() -> lessor.revoked(id));
                            revoked++;
                        }
                    }
                    yield revoked;
                }
                case CLUSTER_INIT -> {
                    MemberApply.init(txn, request.getClusterInit());
                    membership[0] = true;
                    txn.endEntry();
                    yield Boolean.TRUE;
                }
                case MEMBER_ADD -> {
                    List<Member> all = MemberApply.add(txn, request.getMemberAdd());
                    membership[0] = true;
                    yield MemberAddResponse.newBuilder().setHeader(headers.header(txn.endEntry(), e.term()))
                            .setMember(request.getMemberAdd().getMember()).addAllMembers(all).build();
                }
                case MEMBER_REMOVE -> {
                    List<Member> all = MemberApply.remove(txn, request.getMemberRemove().getID());
                    membership[0] = true;
                    yield MemberRemoveResponse.newBuilder().setHeader(headers.header(txn.endEntry(), e.term()))
                            .addAllMembers(all).build();
                }
                case MEMBER_UPDATE -> {
                    List<Member> all = MemberApply.update(txn, request.getMemberUpdate());
                    membership[0] = true;
                    yield MemberUpdateResponse.newBuilder().setHeader(headers.header(txn.endEntry(), e.term()))
                            .addAllMembers(all).build();
                }
                case MEMBER_PROMOTE -> {
                    List<Member> all = MemberApply.promote(txn, request.getMemberPromote().getID());
                    membership[0] = true;
                    yield MemberPromoteResponse.newBuilder().setHeader(headers.header(txn.endEntry(), e.term()))
                            .addAllMembers(all).build();
                }
                case MEMBER_PUBLISH -> {
                    MemberApply.publish(txn, request.getMemberPublish());
                    membership[0] = true;
                    txn.endEntry();
                    yield Boolean.TRUE;
                }
                case AUTH -> {
                    AuthChange change = request.getAuth();
                    AuthData before = authData(txn.authData());
                    AuthData after = AuthApply.apply(before, change);
                    if (after != before) {
                        txn.putAuthData(after.toByteArray());
                    }
                    afterCommit.add(() -> auth.applied(change, after));
                    yield AuthApplied.newBuilder().setHeader(headers.header(txn.endEntry(), e.term())).build();
                }
                case ALARM -> {
                    var b = alarms.apply(txn, request.getAlarm());
                    yield b.setHeader(headers.header(txn.endEntry(), e.term())).build();
                }
                case REQUEST_NOT_SET -> throw new IllegalStateException("empty request in log entry " + e.index());
            };
            return result;
        } catch (EtcdException rejected) {
            if (txn.entryChanged()) {
                throw new IllegalStateException("entry " + e.index() + " failed after writing: " + rejected.getMessage());
            }
            txn.endEntry();
            return rejected;
        }
    }

    /** etcd's capped applier: while a NOSPACE alarm is raised, requests that add data are refused. */
    private void refuseWhenOutOfSpace() {
        if (alarms.noSpaceWhileApplying()) {
            throw EtcdError.NO_SPACE.exception();
        }
    }

    @Override
    public java.util.concurrent.CompletableFuture<byte[]> encodeResult(Object result) {
        return AppliedResults.encode(result);
    }

    /** A result the leader built, with this member's id in its header (etcd: the answering member's). */
    @Override
    public Object decodeResult(byte[] encoded) {
        return AppliedResults.withMemberId(AppliedResults.decode(encoded), headers.memberId());
    }

    @Override
    public void persist() {
        store.sync();
    }

    @Override
    public void saveSnapshot(Path dir) {
        store.checkpoint(dir);
    }

    @Override
    public void loadSnapshot(Path dir) {
        LOG.log(System.Logger.Level.INFO, "installing snapshot from {0}", dir);
        store.close();
        provider.restore(dir, storageConfig.directory(), context);
        afterRestore.hit();
        StorageEngine engine = provider.create(storageConfig, context);
        store = KvStore.open(engine, context.failpoints());
        reloadViews();
        for (CommitListener l : listeners) {
            l.replaced();
        }
    }

    /** Closes the store. */
    public void close() {
        store.close();
    }
}
