package io.tern.server.grpc;

import com.google.protobuf.MessageLite;
import io.grpc.ForwardingServerCallListener;
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
        ServerCall.Listener<Q> delegate = next.startCall(call, headers);
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(delegate) {
            private boolean refused;

            @Override
            public void onMessage(Q message) {
                if (message instanceof MessageLite m && m.getSerializedSize() > maxBytes) {
                    refused = true;
                    call.close(Status.RESOURCE_EXHAUSTED.withDescription("grpc: received message larger than max ("
                            + m.getSerializedSize() + " vs. " + maxBytes + ")"), new Metadata());
                    return;
                }
                super.onMessage(message);
            }

            @Override
            public void onHalfClose() {
                if (!refused) {
                    super.onHalfClose();
                }
            }
        };
    }
}
