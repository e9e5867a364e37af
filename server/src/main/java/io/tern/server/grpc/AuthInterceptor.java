package io.tern.server.grpc;

import io.grpc.Context;
import io.grpc.Contexts;
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
import io.tern.api.proto.etcdserverpb.WatchGrpc;
import io.tern.api.proto.etcdserverpb.WatchRequest;
import io.tern.server.tls.Certificates;

import java.security.cert.X509Certificate;
import java.util.function.Function;

/**
 * etcd's auth on every call: the caller is named by the {@code token} metadata (or {@code authorization},
 * as etcd's gateway sends it), resolved when the call starts (an unknown or expired one refuses every
 * request but those etcd serves without looking at the caller), and each request message is checked against
 * that caller's current rights before its handler sees it ({@link AuthGuard}). A refused message ends
 * the call with etcd's error; the server goes on serving everyone else. With {@code --client-cert-auth},
 * a call without a token is the user its verified client certificate's common name names.
 */
public final class AuthInterceptor implements ServerInterceptor {
    static final Metadata.Key<String> TOKEN = Metadata.Key.of("token", Metadata.ASCII_STRING_MARSHALLER);
    private static final String WATCH = WatchGrpc.getWatchMethod().getFullMethodName();
    private static final Context.Key<WatchRefusal> WATCH_REFUSAL = Context.key("tern-watch-refusal");
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
        String header = headers.get(TOKEN);
        String token = header != null ? header : headers.get(AUTHORIZATION);
        String commonName = token == null && certificateUsers ? commonName() : null;
        if (WATCH.equals(call.getMethodDescriptor().getFullMethodName())) {
            // A watch stream outlives auth changes: each create is checked against the auth state, the
            // token's validity and the caller's rights of its own moment, as etcd checks each one. etcd
            // answers a refused create on the stream (created and canceled, the error as the reason)
            // and keeps serving the stream's other watchers: the endpoint does that.
            WatchRefusal watchRefusal = r -> {
                Status s = r.hasCreateRequest() ? refusals(guard, token, commonName).apply(r) : null;
                return s == null ? null : ErrorMapper.goError(s);
            };
            return Contexts.interceptCall(Context.current().withValue(WATCH_REFUSAL, watchRefusal), call, headers, next);
        }
        if (!guard.store().enabled()) {
            return next.startCall(call, headers);
        }
        Function<Object, Status> refusal = refusals(guard, token, commonName);
        return new RefusingListener<>(call, next.startCall(call, headers), refusal::apply);
    }

    /**
     * The check every request message of one call gets: the status it is refused with, or null. The
     * caller is resolved once, from {@code token} or else {@code commonName}; an invalid token refuses
     * all but what etcd serves without looking at the caller, so the client can authenticate again.
     * Shared with the HTTP gateway.
     */
    public static Function<Object, Status> refusals(AuthGuard guard, String token, String commonName) {
        if (!guard.store().enabled()) {
            return m -> null;
        }
        try {
            Caller caller = guard.store().caller(token, commonName);
            return m -> {
                try {
                    guard.check(caller, m);
                    return null;
                } catch (RuntimeException e) {
                    return ErrorMapper.toStatus(e);
                }
            };
        } catch (RuntimeException e) {
            Status invalid = ErrorMapper.toStatus(e);
            return m -> AuthGuard.ignoresCaller(m) ? null : invalid;
        }
    }

    /** Why a watch request is refused, as etcd words a watch's cancel reason; null when it may go ahead. */
    @FunctionalInterface
    public interface WatchRefusal {
        WatchRefusal NONE = r -> null;

        String reason(WatchRequest request);
    }

    /** The refusal check of the current Watch call, or {@link WatchRefusal#NONE} when auth is off. */
    static WatchRefusal watchRefusal() {
        WatchRefusal r = WATCH_REFUSAL.get();
        return r == null ? WatchRefusal.NONE : r;
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
}
