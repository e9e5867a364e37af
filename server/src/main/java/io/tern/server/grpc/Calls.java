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
        observer.onNext(result);
        observer.onCompleted();
    }
}
