package io.tern.api.lease;

import com.google.protobuf.ByteString;
import io.tern.api.apply.Proposer;
import io.tern.api.cluster.IdGenerator;
import io.tern.api.cluster.ResponseHeaders;
import io.tern.api.error.EtcdError;
import io.tern.api.error.EtcdException;
import io.tern.api.maintenance.Quota;
import io.tern.api.mvcc.KvStore;
import io.tern.api.proto.etcdserverpb.LeaseGrantRequest;
import io.tern.api.proto.etcdserverpb.LeaseGrantResponse;
import io.tern.api.proto.etcdserverpb.LeaseKeepAliveRequest;
import io.tern.api.proto.etcdserverpb.LeaseKeepAliveResponse;
import io.tern.api.proto.etcdserverpb.LeaseLeasesResponse;
import io.tern.api.proto.etcdserverpb.LeaseRevokeRequest;
import io.tern.api.proto.etcdserverpb.LeaseRevokeResponse;
import io.tern.api.proto.etcdserverpb.LeaseStatus;
import io.tern.api.proto.etcdserverpb.LeaseTimeToLiveRequest;
import io.tern.api.proto.etcdserverpb.LeaseTimeToLiveResponse;
import io.tern.api.proto.raft.LeaseExpireRequest;
import io.tern.api.proto.raft.RaftRequest;
import io.tern.api.peer.PeerClient;
import io.tern.api.proto.peer.PeerRequest;

import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The Lease API: grants and revokes go through the log; keep-alives and time-to-live are answered from
 * the leader's {@link Lessor} (which alone counts expiry), listing from the local one. Transports map failures with {@link io.tern.api.error.ErrorMapper}.
 */
public final class LeaseService {
    private final Proposer proposer;
    private final Lessor lessor;
    private final Supplier<KvStore> store;
    private final ResponseHeaders headers;
    private final IdGenerator ids;
    private final LeaseLimits limits;
    private final PeerClient peers;
    private final Quota quota;

    public LeaseService(Proposer proposer, Lessor lessor, Supplier<KvStore> store, ResponseHeaders headers,
                        IdGenerator ids, LeaseLimits limits, PeerClient peers, Quota quota) {
        this.quota = quota;
        this.proposer = proposer;
        this.lessor = lessor;
        this.store = store;
        this.headers = headers;
        this.ids = ids;
        this.limits = limits;
        this.peers = peers;
    }

    /**
     * etcd's grant: ID 0 asks for a generated one; a TTL below the minimum is raised to it, one above
     * {@link LeaseLimits#maxTtlSeconds()} is refused. The TTL is settled here so the log carries it.
     */
    public CompletableFuture<LeaseGrantResponse> grant(LeaseGrantRequest r) {
        if (r.getTTL() > limits.maxTtlSeconds()) {
            return CompletableFuture.failedFuture(EtcdError.LEASE_TTL_TOO_LARGE.exception());
        }
        quota.checkLeaseGrant();
        long id = r.getID();
        while (id == 0) {
            id = ids.next() & Long.MAX_VALUE;
        }
        LeaseGrantRequest settled = LeaseGrantRequest.newBuilder()
                .setID(id).setTTL(Math.max(r.getTTL(), limits.minTtlSeconds())).build();
        return proposer.propose(RaftRequest.newBuilder().setLeaseGrant(settled).build(), LeaseGrantResponse.class);
    }

    public CompletableFuture<LeaseRevokeResponse> revoke(LeaseRevokeRequest r) {
        return proposer.propose(RaftRequest.newBuilder().setLeaseRevoke(r).build(), LeaseRevokeResponse.class);
    }

    /**
     * One keep-alive, renewed on the leader's lessor (a follower forwards it): the granted TTL, or TTL 0
     * for a lease that does not exist (etcd keeps the stream). The header is this member's.
     */
    public CompletableFuture<LeaseKeepAliveResponse> keepAlive(LeaseKeepAliveRequest r) {
        if (lessor.isPrimary()) {
            return CompletableFuture.completedFuture(keepAliveAsLeader(r));
        }
        return peers.leader(PeerRequest.newBuilder().setLeaseKeepAlive(r).build())
                .thenApply(p -> p.getLeaseKeepAlive().toBuilder().setHeader(header()).build());
    }

    /** {@link #keepAlive} on the leader; fails with etcd's not-leader error on a member that is not. */
    public LeaseKeepAliveResponse keepAliveAsLeader(LeaseKeepAliveRequest r) {
        requirePrimary();
        LeaseKeepAliveResponse.Builder b = LeaseKeepAliveResponse.newBuilder()
                .setHeader(header()).setID(r.getID());
        try {
            b.setTTL(lessor.renew(r.getID()));
        } catch (EtcdException e) {
            if (e.error() != EtcdError.LEASE_NOT_FOUND) {
                throw e;
            }
            b.setTTL(0);
        }
        return b.build();
    }

    /**
     * Remaining and granted TTL, from the leader's lessor (a follower forwards it); TTL -1 for a lease
     * that does not exist, as etcd answers. The header is this member's.
     */
    public CompletableFuture<LeaseTimeToLiveResponse> timeToLive(LeaseTimeToLiveRequest r) {
        if (lessor.isPrimary()) {
            return CompletableFuture.completedFuture(timeToLiveAsLeader(r));
        }
        return peers.leader(PeerRequest.newBuilder().setLeaseTimeToLive(r).build())
                .thenApply(p -> p.getLeaseTimeToLive().toBuilder().setHeader(header()).build());
    }

    /** {@link #timeToLive} on the leader; fails with etcd's not-leader error on a member that is not. */
    public LeaseTimeToLiveResponse timeToLiveAsLeader(LeaseTimeToLiveRequest r) {
        requirePrimary();
        LeaseTimeToLiveResponse.Builder b = LeaseTimeToLiveResponse.newBuilder().setHeader(header()).setID(r.getID());
        try {
            long granted = lessor.grantedTtl(r.getID());
            b.setTTL(lessor.remainingTtl(r.getID())).setGrantedTTL(granted);
        } catch (EtcdException e) {
            if (e.error() != EtcdError.LEASE_NOT_FOUND) {
                throw e;
            }
            return b.setTTL(-1).build();
        }
        if (r.getKeys()) {
            for (byte[] k : store.get().leaseKeys(r.getID())) {
                b.addKeys(ByteString.copyFrom(k));
            }
        }
        return b.build();
    }

    /** Every lease, soonest to expire first, as etcd lists them. */
    public LeaseLeasesResponse leases() {
        LeaseLeasesResponse.Builder b = LeaseLeasesResponse.newBuilder().setHeader(header());
        List<long[]> all = new java.util.ArrayList<>();
        for (long id : lessor.ids()) {
            try {
                all.add(new long[] {id, lessor.remainingTtl(id)});
            } catch (EtcdException gone) {
                // revoked while listing
            }
        }
        all.sort(Comparator.comparingLong((long[] a) -> a[1]));
        for (long[] a : all) {
            b.addLeases(LeaseStatus.newBuilder().setID(a[0]));
        }
        return b.build();
    }

    /**
     * Proposes the expiry of up to one batch of expired leases and completes when it has been applied
     * (empty batch: at once). Leases whose proposal fails become due again.
     */
    public CompletableFuture<Integer> expireDue() {
        List<Long> due = lessor.takeExpired(limits.expiryBatch());
        if (due.isEmpty()) {
            return CompletableFuture.completedFuture(0);
        }
        RaftRequest request = RaftRequest.newBuilder()
                .setLeaseExpire(LeaseExpireRequest.newBuilder().addAllIds(due)).build();
        return proposer.propose(request, Integer.class).whenComplete((n, e) -> {
            if (e != null) {
                lessor.expiryFailed(due);
            }
        });
    }

    public Lessor lessor() {
        return lessor;
    }

    private void requirePrimary() {
        if (!lessor.isPrimary()) {
            throw EtcdError.NOT_LEADER.exception();
        }
    }

    private io.tern.api.proto.etcdserverpb.ResponseHeader header() {
        return headers.header(store.get().currentRevision(), proposer.consensus().term());
    }
}
