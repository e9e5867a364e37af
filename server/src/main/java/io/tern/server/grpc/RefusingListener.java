package io.tern.server.grpc;

import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.Status;

import java.util.function.Function;

/**
 * A call listener that checks each request message before the handler sees it: a refused message closes
 * the call with the refusal's status, and the half-close that follows is not passed on (the handler
 * would otherwise run without its request).
 */
final class RefusingListener<Q> extends ForwardingServerCallListener.SimpleForwardingServerCallListener<Q> {
    private final ServerCall<Q, ?> call;
    private final Function<Q, Status> refusal;
    private boolean refused;

    /** @param refusal the status a message is refused with, or null to let it through */
    RefusingListener(ServerCall<Q, ?> call, ServerCall.Listener<Q> delegate, Function<Q, Status> refusal) {
        super(delegate);
        this.call = call;
        this.refusal = refusal;
    }

    @Override
    public void onMessage(Q message) {
        Status status = refusal.apply(message);
        if (status != null) {
            refused = true;
            call.close(status, new Metadata());
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
}
