package io.tern.server.grpc;

import io.grpc.stub.StreamObserver;
import io.tern.api.concurrency.LockService;
import io.tern.api.proto.v3lockpb.LockGrpc;
import io.tern.api.proto.v3lockpb.LockRequest;
import io.tern.api.proto.v3lockpb.LockResponse;
import io.tern.api.proto.v3lockpb.UnlockRequest;
import io.tern.api.proto.v3lockpb.UnlockResponse;

/** {@code v3lockpb.Lock} over gRPC; Lock waits on the call's own virtual thread. */
public final class LockEndpoint extends LockGrpc.LockImplBase {
    private final LockService locks;
    private final ConnectionTracker connections;

    public LockEndpoint(LockService locks, ConnectionTracker connections) {
        this.locks = locks;
        this.connections = connections;
    }

    @Override
    public void lock(LockRequest request, StreamObserver<LockResponse> observer) {
        try (Cancellation cancelled = new Cancellation(observer, connections)) {
            Calls.answerUnknown(observer, () -> locks.lock(request, cancelled));
        }
    }

    @Override
    public void unlock(UnlockRequest request, StreamObserver<UnlockResponse> observer) {
        Calls.answerUnknown(observer, () -> locks.unlock(request));
    }
}
