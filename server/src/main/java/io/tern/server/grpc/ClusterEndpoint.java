package io.tern.server.grpc;

import io.grpc.stub.StreamObserver;
import io.tern.api.cluster.ClusterView;
import io.tern.api.proto.etcdserverpb.ClusterGrpc;
import io.tern.api.proto.etcdserverpb.MemberListRequest;
import io.tern.api.proto.etcdserverpb.MemberListResponse;

import java.util.concurrent.CompletableFuture;

/** {@code etcdserverpb.Cluster} over gRPC; membership changes come with the cluster work. */
public final class ClusterEndpoint extends ClusterGrpc.ClusterImplBase {
    private final ClusterView cluster;

    public ClusterEndpoint(ClusterView cluster) {
        this.cluster = cluster;
    }

    @Override
    public void memberList(MemberListRequest request, StreamObserver<MemberListResponse> observer) {
        Calls.answer(observer, () -> CompletableFuture.completedFuture(cluster.memberList()));
    }
}
