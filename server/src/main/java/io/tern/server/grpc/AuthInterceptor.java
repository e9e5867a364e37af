package io.tern.server.grpc;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.helidon.webserver.grpc.GrpcConnectionContext;
import io.helidon.webserver.grpc.ServerContextKeys;
import io.tern.api.auth.AuthGuard;
import io.tern.api.auth.AuthStore.Caller;
import io.tern.api.error.ErrorMapper;
import io.tern.api.proto.etcdserverpb.AuthStatusRequest;
import io.tern.api.proto.etcdserverpb.AuthenticateRequest;
import io.tern.server.tls.Certificates;

import java.security.cert.X509Certificate;

/**
 * etcd's auth on every call: the caller is named by the {@code token} metadata (or {@code authorization},
 * as etcd's gateway sends it), resolved when the call starts (an unknown or expired one refuses every
 * request but {@code Authenticate} and {@code AuthStatus}), and each request message is checked against
 * that caller's current rights before its handler sees it ({@link AuthGuard}). A refused message ends
 * the call with etcd's error; the server goes on serving everyone else. With {@code --client-cert-auth},
 * a call without a token is the user its verified client certificate's common name names.
 */
public final class AuthInterceptor implements ServerInterceptor {
    static final Metadata.Key<String> TOKEN = Metadata.Key.of("token", Metadata.ASCII_STRING_MARSHALLER);
    static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    private final AuthGuard guard;
    private final boolean certificateUsers;

    /** @param certificateUsers {@code --client-cert-auth} on this TLS listener: a certificate's CN names the caller */
    public AuthInterceptor(AuthGuard guard, boolean certificateUsers) {
        this.guard = guard;
        this.certificateUsers = certificateUsers;
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
            caller = guard.store().caller(token, token == null && certificateUsers ? commonName() : null);
        } catch (RuntimeException e) {
            // A stale token must not stop the client from authenticating again (clients resend it).
            Status invalid = ErrorMapper.toStatus(e);
            return new RefusingListener<>(call, next.startCall(call, headers),
                    m -> m instanceof AuthenticateRequest || m instanceof AuthStatusRequest ? null : invalid);
        }
        return new RefusingListener<>(call, next.startCall(call, headers), m -> refusal(caller, m));
    }

    /** The verified client certificate's subject CN ("" without one), or null when the connection has none. */
    private static String commonName() {
        GrpcConnectionContext ctx = ServerContextKeys.CONNECTION_CONTEXT.get();
        if (ctx == null) {
            return null;
        }
        return ctx.remotePeer().tlsCertificates()
                .filter(chain -> chain.length > 0 && chain[0] instanceof X509Certificate)
                .map(chain -> Certificates.commonName((X509Certificate) chain[0]))
                .orElse(null);
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
