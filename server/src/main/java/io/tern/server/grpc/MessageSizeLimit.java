package io.tern.server.grpc;

import com.google.protobuf.MessageLite;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

/**
 * etcd's gRPC receive limit: a request message larger than {@code --max-request-bytes} plus 512 KiB is
 * refused with {@code RESOURCE_EXHAUSTED} before any handler sees it, as grpc-go refuses it for etcd.
 * Smaller requests over {@code --max-request-bytes} reach the API layer, which answers
 * {@code etcdserver: request is too large}.
 */
public final class MessageSizeLimit implements ServerInterceptor {
    private final int maxBytes;

    public MessageSizeLimit(int maxBytes) {
        this.maxBytes = maxBytes;
    }

    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
                                                       ServerCallHandler<Q, A> next) {
        return new RefusingListener<>(call, next.startCall(call, headers),
                m -> m instanceof MessageLite lite && lite.getSerializedSize() > maxBytes
                        ? Status.RESOURCE_EXHAUSTED.withDescription("grpc: received message larger than max ("
                                + lite.getSerializedSize() + " vs. " + maxBytes + ")")
                        : null);
    }
}
