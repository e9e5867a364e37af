package io.tern.server.metrics;

import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tern.api.error.ErrorMapper;


/**
 * go-grpc-prometheus's server counters, which etcd exports: calls started, and calls handled by their
 * final code, labelled with the call's type, service and method.
 */
public final class GrpcMetrics implements ServerInterceptor {
    private final Counter started;
    private final Counter handled;

    GrpcMetrics(PrometheusRegistry registry) {
        started = Counter.builder().name("grpc_server_started_total")
                .help("Total number of RPCs started on the server.")
                .labelNames("grpc_type", "grpc_service", "grpc_method").register(registry);
        handled = Counter.builder().name("grpc_server_handled_total")
                .help("Total number of RPCs completed on the server, regardless of success or failure.")
                .labelNames("grpc_type", "grpc_service", "grpc_method", "grpc_code").register(registry);
    }

    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
                                                       ServerCallHandler<Q, A> next) {
        MethodDescriptor<Q, A> m = call.getMethodDescriptor();
        String type = type(m.getType());
        String service = String.valueOf(m.getServiceName());
        String method = String.valueOf(m.getBareMethodName());
        started.labelValues(type, service, method).inc();
        return next.startCall(new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
            @Override
            public void close(Status status, Metadata trailers) {
                handled.labelValues(type, service, method, ErrorMapper.goCodeName(status.getCode())).inc();
                super.close(status, trailers);
            }
        }, headers);
    }

    private static String type(MethodDescriptor.MethodType t) {
        return switch (t) {
            case UNARY -> "unary";
            case CLIENT_STREAMING -> "client_stream";
            case SERVER_STREAMING -> "server_stream";
            case BIDI_STREAMING, UNKNOWN -> "bidi_stream";
        };
    }
}
