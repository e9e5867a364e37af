package io.tern.server.grpc;

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
    public static boolean allowed(Object request) {
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
        return new RefusingListener<>(call, next.startCall(call, headers),
                m -> allowed(m) ? null : ErrorMapper.status(EtcdError.NOT_SUPPORTED_FOR_LEARNER));
    }
}
