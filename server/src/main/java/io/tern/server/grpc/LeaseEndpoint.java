package io.tern.server.grpc;

import io.grpc.stub.StreamObserver;
import io.tern.api.error.ErrorMapper;
import io.tern.api.lease.LeaseService;
import io.tern.api.proto.etcdserverpb.LeaseGrantRequest;
import io.tern.api.proto.etcdserverpb.LeaseGrantResponse;
import io.tern.api.proto.etcdserverpb.LeaseGrpc;
import io.tern.api.proto.etcdserverpb.LeaseKeepAliveRequest;
import io.tern.api.proto.etcdserverpb.LeaseKeepAliveResponse;
import io.tern.api.proto.etcdserverpb.LeaseLeasesRequest;
import io.tern.api.proto.etcdserverpb.LeaseLeasesResponse;
import io.tern.api.proto.etcdserverpb.LeaseRevokeRequest;
import io.tern.api.proto.etcdserverpb.LeaseRevokeResponse;
import io.tern.api.proto.etcdserverpb.LeaseTimeToLiveRequest;
import io.tern.api.proto.etcdserverpb.LeaseTimeToLiveResponse;

import java.util.concurrent.CompletableFuture;

/** {@code etcdserverpb.Lease} over gRPC. */
public final class LeaseEndpoint extends LeaseGrpc.LeaseImplBase {
    private final LeaseService leases;

    public LeaseEndpoint(LeaseService leases) {
        this.leases = leases;
    }

    @Override
    public void leaseGrant(LeaseGrantRequest request, StreamObserver<LeaseGrantResponse> observer) {
        Calls.answer(observer, () -> leases.grant(request));
    }

    @Override
    public void leaseRevoke(LeaseRevokeRequest request, StreamObserver<LeaseRevokeResponse> observer) {
        Calls.answer(observer, () -> leases.revoke(request));
    }

    @Override
    public void leaseTimeToLive(LeaseTimeToLiveRequest request, StreamObserver<LeaseTimeToLiveResponse> observer) {
        Calls.answer(observer, () -> leases.timeToLive(request));
    }

    @Override
    public void leaseLeases(LeaseLeasesRequest request, StreamObserver<LeaseLeasesResponse> observer) {
        Calls.answer(observer, () -> CompletableFuture.completedFuture(leases.leases()));
    }

    /**
     * Each request is answered in turn on the stream's own (virtual) thread, a follower's after the leader
     * answered it. An unknown lease gets TTL 0, not an error; any other failure ends the stream with
     * etcd's error.
     */
    @Override
    public StreamObserver<LeaseKeepAliveRequest> leaseKeepAlive(StreamObserver<LeaseKeepAliveResponse> responses) {
        return new StreamObserver<>() {
            private volatile boolean failed;

            @Override
            public void onNext(LeaseKeepAliveRequest request) {
                if (failed) {
                    return;
                }
                LeaseKeepAliveResponse r;
                try {
                    r = leases.keepAlive(request).get();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    failed = true;
                    return;
                } catch (java.util.concurrent.ExecutionException e) {
                    failed = true;
                    responses.onError(ErrorMapper.toException(e.getCause()));
                    return;
                }
                if (failed) {
                    return;
                }
                try {
                    responses.onNext(r);
                } catch (java.io.UncheckedIOException gone) {
                    failed = true; // the connection closed under us
                }
            }

            @Override
            public void onError(Throwable t) {
                // The client cancelled: nothing more may be written, and nothing is held for the stream.
                failed = true;
            }

            @Override
            public void onCompleted() {
                if (failed) {
                    return;
                }
                try {
                    responses.onCompleted();
                } catch (RuntimeException gone) {
                    // the connection closed first; nothing is left to tell
                }
            }
        };
    }
}
