package io.tern.server.grpc;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.tern.api.auth.AuthGuard;
import io.tern.api.auth.AuthStore.Caller;
import io.tern.api.error.ErrorMapper;
import io.tern.api.proto.etcdserverpb.AuthStatusRequest;
import io.tern.api.proto.etcdserverpb.AuthenticateRequest;

/**
 * etcd's auth on every call: the caller is named by the {@code token} metadata (or {@code authorization},
 * as etcd's gateway sends it), resolved when the call starts (an unknown or expired one refuses every
 * request but {@code Authenticate} and {@code AuthStatus}), and each request message is checked against
 * that caller's current rights before its handler sees it ({@link AuthGuard}). A refused message ends
 * the call with etcd's error; the server goes on serving everyone else.
 */
public final class AuthInterceptor implements ServerInterceptor {
    static final Metadata.Key<String> TOKEN = Metadata.Key.of("token", Metadata.ASCII_STRING_MARSHALLER);
    static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    private final AuthGuard guard;

    public AuthInterceptor(AuthGuard guard) {
        this.guard = guard;
    }

    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
                                                       ServerCallHandler<Q, A> next) {
        if (!guard.store().enabled()) {
            return next.startCall(call, headers);
        }
        String token = headers.get(TOKEN);
        if (token == null) {
            token = headers.get(AUTHORIZATION);
        }
        Caller caller;
        try {
            caller = guard.store().caller(token, null);
        } catch (RuntimeException e) {
            // A stale token must not stop the client from authenticating again (clients resend it).
            Status invalid = ErrorMapper.toStatus(e);
            return new RefusingListener<>(call, next.startCall(call, headers),
                    m -> m instanceof AuthenticateRequest || m instanceof AuthStatusRequest ? null : invalid);
        }
        return new RefusingListener<>(call, next.startCall(call, headers), m -> refusal(caller, m));
    }

    private Status refusal(Caller caller, Object message) {
        try {
            guard.check(caller, message);
            return null;
        } catch (RuntimeException e) {
            return ErrorMapper.toStatus(e);
        }
    }
}
