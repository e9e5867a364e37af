package io.tern.server.grpc;

import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.tern.api.error.EtcdError;
import io.tern.api.error.ErrorMapper;
import io.tern.api.proto.etcdserverpb.RangeRequest;
import io.tern.api.proto.etcdserverpb.StatusRequest;

import java.util.function.BooleanSupplier;

/**
 * etcd's rule for learners: a learner answers only Maintenance.Status and serializable Ranges; every
 * other call, streams included, gets {@code etcdserver: rpc not supported for learner} (clients then
 * try another member).
 */
public final class LearnerGuard implements ServerInterceptor {
    private final BooleanSupplier isLearner;

    public LearnerGuard(BooleanSupplier isLearner) {
        this.isLearner = isLearner;
    }

    /** True for the requests etcd lets a learner answer. */
    static boolean allowed(Object request) {
        return request instanceof StatusRequest || (request instanceof RangeRequest r && r.getSerializable());
    }

    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
                                                       ServerCallHandler<Q, A> next) {
        if (!isLearner.getAsBoolean()) {
            return next.startCall(call, headers);
        }
        if (call.getMethodDescriptor().getType() != MethodDescriptor.MethodType.UNARY) {
            call.close(ErrorMapper.status(EtcdError.NOT_SUPPORTED_FOR_LEARNER), new Metadata());
            return new ServerCall.Listener<>() { };
        }
        ServerCall.Listener<Q> delegate = next.startCall(call, headers);
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(delegate) {
            private boolean refused;

            @Override
            public void onMessage(Q message) {
                if (!allowed(message)) {
                    refused = true;
                    call.close(ErrorMapper.status(EtcdError.NOT_SUPPORTED_FOR_LEARNER), new Metadata());
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
