package io.tern.server.grpc;

import io.grpc.stub.StreamObserver;
import io.tern.api.error.ErrorMapper;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;

/**
 * Answers a unary call from its handler thread. The handler waits for the result before returning:
 * Helidon's gRPC handler keeps the HTTP/2 stream's slot only while the handler runs, and a call
 * completed later from another thread leaks that slot (the connection dies after 8192 such calls).
 * Handlers run on virtual threads, so the wait costs no platform thread.
 */
final class Calls {
    private Calls() {
    }

    static <T> void answer(StreamObserver<T> observer, Supplier<CompletableFuture<T>> call) {
        T result;
        try {
            result = call.get().get();
        } catch (ExecutionException e) {
            observer.onError(ErrorMapper.toException(e.getCause()));
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            observer.onError(ErrorMapper.toException(e));
            return;
        } catch (RuntimeException e) {
            observer.onError(ErrorMapper.toException(e));
            return;
        }
        deliver(observer, result);
    }

    /** The client may be gone by now (cancelled, disconnected): then there is no one left to answer. */
    private static <T> void deliver(StreamObserver<T> observer, T result) {
        try {
            observer.onNext(result);
            observer.onCompleted();
        } catch (java.io.UncheckedIOException clientGone) {
            // Helidon's write to a connection that has closed under us
        }
    }

    /**
     * Answers a call whose work blocks the handler thread; failures map as for etcd's lock and election
     * services, whose errors reach clients without a gRPC status of their own: code UNKNOWN, etcd's message.
     */
    static <T> void answerUnknown(StreamObserver<T> observer, Supplier<T> call) {
        T result;
        try {
            result = call.get();
        } catch (RuntimeException e) {
            observer.onError(asUnknown(e));
            return;
        }
        deliver(observer, result);
    }

    static io.grpc.StatusRuntimeException asUnknown(Throwable t) {
        if (t instanceof java.util.concurrent.CancellationException) {
            return io.grpc.Status.CANCELLED.withDescription(t.getMessage()).asRuntimeException();
        }
        io.grpc.Status s = ErrorMapper.toStatus(t);
        if (s.getCode() == io.grpc.Status.Code.CANCELLED) {
            return s.asRuntimeException();
        }
        return io.grpc.Status.UNKNOWN.withDescription(s.getDescription()).asRuntimeException();
    }
}
