package io.tern.server.grpc;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.tern.api.error.ErrorMapper;
import io.tern.api.maintenance.MaintenanceService;
import io.tern.api.proto.etcdserverpb.AlarmRequest;
import io.tern.api.proto.etcdserverpb.AlarmResponse;
import io.tern.api.proto.etcdserverpb.DefragmentRequest;
import io.tern.api.proto.etcdserverpb.DefragmentResponse;
import io.tern.api.proto.etcdserverpb.HashKVRequest;
import io.tern.api.proto.etcdserverpb.HashKVResponse;
import io.tern.api.proto.etcdserverpb.HashRequest;
import io.tern.api.proto.etcdserverpb.HashResponse;
import io.tern.api.proto.etcdserverpb.MaintenanceGrpc;
import io.tern.api.proto.etcdserverpb.MoveLeaderRequest;
import io.tern.api.proto.etcdserverpb.MoveLeaderResponse;
import io.tern.api.proto.etcdserverpb.SnapshotRequest;
import io.tern.api.proto.etcdserverpb.SnapshotResponse;
import io.tern.api.proto.etcdserverpb.StatusRequest;
import io.tern.api.proto.etcdserverpb.StatusResponse;

import java.io.IOException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;

/** {@code etcdserverpb.Maintenance} over gRPC. */
public final class MaintenanceEndpoint extends MaintenanceGrpc.MaintenanceImplBase {
    private static final System.Logger LOG = System.getLogger(MaintenanceEndpoint.class.getName());

    private final MaintenanceService maintenance;
    private final ConnectionTracker connections;

    public MaintenanceEndpoint(MaintenanceService maintenance, ConnectionTracker connections) {
        this.maintenance = maintenance;
        this.connections = connections;
    }

    @Override
    public void moveLeader(MoveLeaderRequest request, StreamObserver<MoveLeaderResponse> observer) {
        Calls.answer(observer, () -> maintenance.moveLeader(request));
    }

    @Override
    public void status(StatusRequest request, StreamObserver<StatusResponse> observer) {
        Calls.answer(observer, () -> CompletableFuture.completedFuture(maintenance.status()));
    }

    @Override
    public void alarm(AlarmRequest request, StreamObserver<AlarmResponse> observer) {
        Calls.answer(observer, () -> maintenance.alarm(request));
    }

    @Override
    public void hash(HashRequest request, StreamObserver<HashResponse> observer) {
        Calls.answer(observer, () -> CompletableFuture.supplyAsync(maintenance::hash,
                Thread.ofVirtual().name("tern-hash")::start));
    }

    @Override
    public void hashKV(HashKVRequest request, StreamObserver<HashKVResponse> observer) {
        Calls.answer(observer, () -> CompletableFuture.supplyAsync(() -> maintenance.hashKv(request),
                Thread.ofVirtual().name("tern-hashkv")::start));
    }

    @Override
    public void defragment(DefragmentRequest request, StreamObserver<DefragmentResponse> observer) {
        Calls.answer(observer, maintenance::defragment);
    }

    /**
     * etcd's Snapshot, streamed from its own virtual thread, which the HTTP/2 flow control holds back when
     * the client reads slowly; it ends early if the client leaves.
     */
    @Override
    public void snapshot(SnapshotRequest request, StreamObserver<SnapshotResponse> observer) {
        Cancellation cancelled = new Cancellation(observer, connections);
        Thread.ofVirtual().name("tern-snapshot").start(() -> {
            try (cancelled) {
                maintenance.snapshot(observer::onNext, cancelled);
                observer.onCompleted();
            } catch (CancellationException gone) {
                LOG.log(System.Logger.Level.INFO, "snapshot stream ended: the client left");
            } catch (IOException | RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "snapshot stream failed", e);
                try {
                    observer.onError(e instanceof IOException ? Status.INTERNAL.withDescription(
                            "snapshot: " + e.getMessage()).asRuntimeException() : ErrorMapper.toException(e));
                } catch (RuntimeException ignored) {
                    // the call is already over
                }
            }
        });
    }
}
