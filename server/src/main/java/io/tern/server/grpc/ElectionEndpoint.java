package io.tern.server.grpc;

import io.grpc.stub.StreamObserver;
import io.tern.api.concurrency.ElectionService;
import io.tern.api.proto.v3electionpb.CampaignRequest;
import io.tern.api.proto.v3electionpb.CampaignResponse;
import io.tern.api.proto.v3electionpb.ElectionGrpc;
import io.tern.api.proto.v3electionpb.LeaderRequest;
import io.tern.api.proto.v3electionpb.LeaderResponse;
import io.tern.api.proto.v3electionpb.ProclaimRequest;
import io.tern.api.proto.v3electionpb.ProclaimResponse;
import io.tern.api.proto.v3electionpb.ResignRequest;
import io.tern.api.proto.v3electionpb.ResignResponse;

/** {@code v3electionpb.Election} over gRPC; Campaign and Observe run on the call's own virtual thread. */
public final class ElectionEndpoint extends ElectionGrpc.ElectionImplBase {
    private final ElectionService elections;
    private final ConnectionTracker connections;

    public ElectionEndpoint(ElectionService elections, ConnectionTracker connections) {
        this.elections = elections;
        this.connections = connections;
    }

    @Override
    public void campaign(CampaignRequest request, StreamObserver<CampaignResponse> observer) {
        try (Cancellation cancelled = new Cancellation(observer, connections)) {
            Calls.answerUnknown(observer, () -> elections.campaign(request, cancelled));
        }
    }

    @Override
    public void proclaim(ProclaimRequest request, StreamObserver<ProclaimResponse> observer) {
        Calls.answerUnknown(observer, () -> elections.proclaim(request));
    }

    @Override
    public void leader(LeaderRequest request, StreamObserver<LeaderResponse> observer) {
        Calls.answerUnknown(observer, () -> elections.leader(request));
    }

    @Override
    public void resign(ResignRequest request, StreamObserver<ResignResponse> observer) {
        Calls.answerUnknown(observer, () -> elections.resign(request));
    }

    /** Streams until the client cancels; a failure ends the stream with etcd's error. */
    @Override
    public void observe(LeaderRequest request, StreamObserver<LeaderResponse> observer) {
        try (Cancellation cancelled = new Cancellation(observer, connections)) {
            elections.observe(request, observer::onNext, cancelled);
            if (!cancelled.getAsBoolean()) {
                observer.onCompleted();
            }
        } catch (RuntimeException e) {
            try {
                observer.onError(Calls.asUnknown(e));
            } catch (RuntimeException ignored) {
                // the call is already gone
            }
        }
    }
}
