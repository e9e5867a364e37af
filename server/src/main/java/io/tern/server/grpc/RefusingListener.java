package io.tern.server.grpc;

import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.Status;

import java.util.function.Function;

/**
 * A call listener that checks each request message before the handler sees it: a refused message ends
 * the call with the refusal's status, and the handler sees neither it nor the half-close. A call whose
 * client sends one message (unary and server-streaming methods) is closed on its half-close, after the
 * client has finished sending: closing while the request's last frame is still in flight can make the
 * server's HTTP/2 layer end the whole connection, other calls included. Other calls close at once.
 */
final class RefusingListener<Q> extends ForwardingServerCallListener.SimpleForwardingServerCallListener<Q> {
    private final ServerCall<Q, ?> call;
    private final Function<Q, Status> refusal;
    private final boolean oneRequest;
    private Status refused;

    /** @param refusal the status a message is refused with, or null to let it through */
    RefusingListener(ServerCall<Q, ?> call, ServerCall.Listener<Q> delegate, Function<Q, Status> refusal) {
        super(delegate);
        this.call = call;
        this.refusal = refusal;
        this.oneRequest = call.getMethodDescriptor().getType().clientSendsOneMessage();
    }

    @Override
    public void onMessage(Q message) {
        if (refused != null) {
            return;
        }
        Status status = refusal.apply(message);
        if (status != null) {
            refused = status;
            if (!oneRequest) {
                call.close(status, new Metadata());
            }
            return;
        }
        super.onMessage(message);
    }

    @Override
    public void onHalfClose() {
        if (refused == null) {
            super.onHalfClose();
        } else if (oneRequest) {
            call.close(refused, new Metadata());
        }
    }
}
