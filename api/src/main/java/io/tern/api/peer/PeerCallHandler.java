package io.tern.api.peer;

import com.google.protobuf.InvalidProtocolBufferException;
import io.tern.api.cluster.ClusterMembers;
import io.tern.api.cluster.ClusterService;
import io.tern.api.error.EtcdException;
import io.tern.api.lease.LeaseService;
import io.tern.api.cluster.ResponseHeaders;
import io.tern.api.proto.peer.Identity;
import io.tern.api.proto.peer.PeerRequest;
import io.tern.api.proto.peer.PeerResponse;
import io.tern.spi.consensus.ConsensusException;
import io.tern.spi.consensus.PeerCalls;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.LongPredicate;
import java.util.function.LongSupplier;

/**
 * Answers other members' {@link PeerRequest}s. Created before the services it routes to (they need the
 * consensus engine, which needs this), and bound to them with {@link #bind} before the engine starts.
 * An etcd error travels back by name; a consensus failure is re-raised with its reason by the engine.
 */
public final class PeerCallHandler implements PeerCalls {
    private final ResponseHeaders headers;
    private final String name;
    private final ClusterMembers members;
    private volatile LeaseService leases;
    private volatile ClusterService cluster;
    private volatile LongSupplier appliedIndex;
    private volatile LongPredicate removed;

    /** @param headers this member's ids; @param name this member's name; @param members its member records */
    public PeerCallHandler(ResponseHeaders headers, String name, ClusterMembers members) {
        this.headers = headers;
        this.name = name;
        this.members = members;
    }

    /** @param removed whether the records say a member id was removed from the cluster */
    public void bind(LeaseService leases, ClusterService cluster, LongSupplier appliedIndex, LongPredicate removed) {
        this.cluster = cluster;
        this.appliedIndex = appliedIndex;
        this.removed = removed;
        this.leases = leases; // last: a non-null leases means bound
    }

    @Override
    public CompletableFuture<byte[]> answer(byte[] bytes) {
        if (leases == null) {
            return CompletableFuture.failedFuture(new ConsensusException(ConsensusException.Reason.STOPPED, "starting"));
        }
        PeerRequest request;
        try {
            request = PeerRequest.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("undecodable peer request", e));
        }
        CompletableFuture<PeerResponse> answer;
        try {
            answer = switch (request.getRequestCase()) {
                case LEASE_KEEP_ALIVE -> CompletableFuture.completedFuture(PeerResponse.newBuilder()
                        .setLeaseKeepAlive(leases.keepAliveAsLeader(request.getLeaseKeepAlive())).build());
                case LEASE_TIME_TO_LIVE -> CompletableFuture.completedFuture(PeerResponse.newBuilder()
                        .setLeaseTimeToLive(leases.timeToLiveAsLeader(request.getLeaseTimeToLive())).build());
                case MEMBER_PROMOTE -> cluster.promoteAsLeader(request.getMemberPromote())
                        .thenApply(r -> PeerResponse.newBuilder().setMemberPromote(r).build());
                case MEMBER_REMOVE -> cluster.removeAsLeader(request.getMemberRemove())
                        .thenApply(r -> PeerResponse.newBuilder().setMemberRemove(r).build());
                case IDENTITY -> CompletableFuture.completedFuture(PeerResponse.newBuilder()
                        .setIdentity(identity(request.getIdentity().getMemberId())).build());
                case APPLIED_INDEX -> CompletableFuture.completedFuture(PeerResponse.newBuilder()
                        .setAppliedIndex(appliedIndex.getAsLong()).build());
                case REQUEST_NOT_SET -> CompletableFuture.failedFuture(new IllegalArgumentException("empty peer request"));
            };
        } catch (RuntimeException e) {
            answer = CompletableFuture.failedFuture(e);
        }
        return answer.handle((r, t) -> {
            if (t == null) {
                return r.toByteArray();
            }
            Throwable c = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
            if (c instanceof EtcdException e) {
                return PeerResponse.newBuilder().setError(e.error().name()).build().toByteArray();
            }
            throw c instanceof RuntimeException re ? re : new CompletionException(c);
        });
    }

    private Identity identity(long asker) {
        Identity.Builder b = Identity.newBuilder().setClusterId(headers.clusterId()).setMemberId(headers.memberId())
                .setName(name);
        if (asker != 0) {
            members.view().byId(asker).ifPresent(m -> b.addAllAskerPeerUrls(m.getPeerURLsList()));
            b.setAskerRemoved(removed.test(asker));
        }
        return b.build();
    }
}
