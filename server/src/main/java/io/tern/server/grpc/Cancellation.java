package io.tern.server.grpc;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/**
 * Whether the client of a long-running call has gone: it cancelled the call, or its connection ended.
 * Create it at the start of the handler, and {@link #close()} it when the call is over.
 */
final class Cancellation implements BooleanSupplier, AutoCloseable {
    private final AtomicBoolean cancelled = new AtomicBoolean();
    private final Runnable forget;

    Cancellation(StreamObserver<?> observer, ConnectionTracker connections) {
        if (observer instanceof ServerCallStreamObserver<?> s) {
            s.setOnCancelHandler(() -> cancelled.set(true));
        }
        this.forget = connections.onClose(() -> cancelled.set(true));
    }

    @Override
    public boolean getAsBoolean() {
        return cancelled.get();
    }

    @Override
    public void close() {
        forget.run();
    }
}
