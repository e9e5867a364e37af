package io.tern.server.grpc;

import io.grpc.stub.StreamObserver;
import io.tern.api.cluster.ClusterService;
import io.tern.api.proto.etcdserverpb.ClusterGrpc;
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

/** {@code etcdserverpb.Cluster} over gRPC. */
public final class ClusterEndpoint extends ClusterGrpc.ClusterImplBase {
    private final ClusterService cluster;

    public ClusterEndpoint(ClusterService cluster) {
        this.cluster = cluster;
    }

    @Override
    public void memberAdd(MemberAddRequest request, StreamObserver<MemberAddResponse> observer) {
        Calls.answer(observer, () -> cluster.add(request));
    }

    @Override
    public void memberRemove(MemberRemoveRequest request, StreamObserver<MemberRemoveResponse> observer) {
        Calls.answer(observer, () -> cluster.remove(request));
    }

    @Override
    public void memberUpdate(MemberUpdateRequest request, StreamObserver<MemberUpdateResponse> observer) {
        Calls.answer(observer, () -> cluster.update(request));
    }

    @Override
    public void memberList(MemberListRequest request, StreamObserver<MemberListResponse> observer) {
        Calls.answer(observer, () -> cluster.list(request));
    }

    @Override
    public void memberPromote(MemberPromoteRequest request, StreamObserver<MemberPromoteResponse> observer) {
        Calls.answer(observer, () -> cluster.promote(request));
    }
}
