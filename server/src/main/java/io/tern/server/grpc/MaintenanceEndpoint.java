package io.tern.server.grpc;

import io.grpc.stub.StreamObserver;
import io.tern.api.maintenance.MaintenanceService;
import io.tern.api.proto.etcdserverpb.MaintenanceGrpc;
import io.tern.api.proto.etcdserverpb.MoveLeaderRequest;
import io.tern.api.proto.etcdserverpb.MoveLeaderResponse;
import io.tern.api.proto.etcdserverpb.StatusRequest;
import io.tern.api.proto.etcdserverpb.StatusResponse;

import java.util.concurrent.CompletableFuture;

/** {@code etcdserverpb.Maintenance} over gRPC; Status and MoveLeader here; the others come with the operations work. */
public final class MaintenanceEndpoint extends MaintenanceGrpc.MaintenanceImplBase {
    private final MaintenanceService maintenance;

    public MaintenanceEndpoint(MaintenanceService maintenance) {
        this.maintenance = maintenance;
    }

    @Override
    public void moveLeader(MoveLeaderRequest request, StreamObserver<MoveLeaderResponse> observer) {
        Calls.answer(observer, () -> maintenance.moveLeader(request));
    }

    @Override
    public void status(StatusRequest request, StreamObserver<StatusResponse> observer) {
        Calls.answer(observer, () -> CompletableFuture.completedFuture(maintenance.status()));
    }
}
