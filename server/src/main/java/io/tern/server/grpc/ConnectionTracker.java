package io.tern.server.grpc;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.helidon.common.buffers.BufferData;
import io.helidon.common.buffers.DataReader;
import io.helidon.common.buffers.DataWriter;
import io.helidon.common.socket.HelidonSocket;
import io.helidon.common.socket.PeerInfo;
import io.helidon.common.concurrency.limits.Limit;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.ListenerContext;
import io.helidon.webserver.ProxyProtocolData;
import io.helidon.webserver.Router;
import io.helidon.webserver.grpc.GrpcConfig;
import io.helidon.webserver.grpc.GrpcConnectionContext;
import io.helidon.webserver.grpc.GrpcProtocolSelector;
import io.helidon.webserver.grpc.ServerContextKeys;
import io.helidon.webserver.http2.Http2Config;
import io.helidon.webserver.http2.Http2ConnectionSelector;
import io.helidon.webserver.spi.ServerConnection;
import io.helidon.webserver.spi.ServerConnectionSelector;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;

/**
 * Tells long-lived calls when their HTTP/2 connection is gone. Helidon notifies a gRPC call of a stream
 * reset but not of a connection that drops (client killed, network cut): a watch or keep-alive stream
 * would then live on with nothing to deliver to. The tracker wraps Helidon's HTTP/2 connection handling
 * and runs the registered actions of a connection when its handling loop ends, however it ends. The same
 * wrapping sends the connection's frames through a {@link CoalescingWriter} and reads them through a
 * {@link LateFrameFilter}.
 */
public final class ConnectionTracker {
    /** Marks a connection that has ended, so that a call starting on it just then is told at once. */
    private static final Set<Runnable> CLOSED = Set.of();
    /** How many ended connections are remembered (a call starts on its connection within moments of it). */
    private static final int CLOSED_REMEMBERED = 4096;
    /** How long a closing connection waits for its queued frames (a GOAWAY, say) to be written. */
    private static final long DRAIN_MILLIS = 1000;
    private final Map<String, Set<Runnable>> actions = new ConcurrentHashMap<>();
    private final java.util.Queue<String> recentlyClosed = new java.util.concurrent.ConcurrentLinkedQueue<>();

    /** An HTTP/2 (with gRPC) connection selector for one listener, reporting ends of connections here. */
    public ServerConnectionSelector http2Selector(Http2Config http2, GrpcConfig grpc) {
        ServerConnectionSelector delegate = Http2ConnectionSelector.builder()
                .http2Config(http2)
                .addSubProtocolSelector(new GrpcStreamGuard(GrpcProtocolSelector.create(grpc), this))
                .build();
        return new Selector(delegate);
    }

    /**
     * Runs {@code action} once when the connection of the gRPC call being started on this thread ends.
     * Returns a handle that forgets the action (call it when the call ends first).
     */
    public Runnable onClose(Runnable action) {
        GrpcConnectionContext ctx = ServerContextKeys.CONNECTION_CONTEXT.get();
        if (ctx == null) {
            return () -> { };
        }
        return onClose(ctx.serverSocketId(), ctx.connectionSocketId(), action);
    }

    /**
     * Runs {@code action} once when the HTTP/2 connection named by its listener's and its own socket ids
     * ends (for plain HTTP requests: {@code ServerRequest.serverSocketId()} and {@code socketId()}). An
     * HTTP/1 connection is never reported: forget the action when the request ends.
     */
    public Runnable onClose(String serverSocketId, String socketId, Runnable action) {
        String key = serverSocketId + " " + socketId;
        // Atomic against closed(): either the action joins the connection's set, or it has closed already.
        Set<Runnable> now = actions.compute(key, (k, cur) -> {
            if (cur == CLOSED) {
                return CLOSED;
            }
            Set<Runnable> set = cur == null ? ConcurrentHashMap.newKeySet() : cur;
            set.add(action);
            return set;
        });
        if (now == CLOSED) {
            action.run();
            return () -> { };
        }
        return () -> {
            Set<Runnable> set = actions.get(key);
            if (set != null && set != CLOSED) {
                set.remove(action);
            }
        };
    }

    /**
     * Keeps the call's gRPC context (which names its connection) attached in every listener callback:
     * Helidon attaches it only while the call starts, so a unary handler, which runs on half-close,
     * would otherwise not know its connection.
     */
    public ServerInterceptor contextKeeper() {
        return new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                             ServerCallHandler<Q, R> next) {
                return Contexts.interceptCall(Context.current(), call, headers, next);
            }
        };
    }

    /** Registered actions across all open connections (for tests). */
    public int pending() {
        return actions.values().stream().mapToInt(Set::size).sum();
    }

    private void closed(String key) {
        Set<Runnable> set = actions.put(key, CLOSED);
        recentlyClosed.add(key);
        while (recentlyClosed.size() > CLOSED_REMEMBERED) {
            String old = recentlyClosed.poll();
            if (old != null) {
                actions.remove(old, CLOSED);
            }
        }
        if (set != null && set != CLOSED) {
            for (Runnable r : set) {
                r.run();
            }
        }
    }

    private final class Selector implements ServerConnectionSelector {
        private final ServerConnectionSelector delegate;

        Selector(ServerConnectionSelector delegate) {
            this.delegate = delegate;
        }

        @Override
        public int bytesToIdentifyConnection() {
            return delegate.bytesToIdentifyConnection();
        }

        @Override
        public Support supports(BufferData data) {
            return delegate.supports(data);
        }

        @Override
        public Set<String> supportedApplicationProtocols() {
            return delegate.supportedApplicationProtocols();
        }

        @Override
        public ServerConnection connection(ConnectionContext ctx) {
            CoalescingWriter writer = new CoalescingWriter(ctx.dataWriter(), ctx.executor());
            DataReader reader = LateFrameFilter.reader(ctx.dataReader(),
                    bytes -> writer.writeOwnFrame(LateFrameFilter.connectionWindowUpdate(bytes)));
            ServerConnection c = delegate.connection(new CoalescingContext(ctx, writer, reader));
            String key = ctx.socketId() + " " + ctx.childSocketId();
            actions.put(key, ConcurrentHashMap.newKeySet());
            return new ServerConnection() {
                @Override
                public void handle(Limit limit) throws InterruptedException {
                    try {
                        c.handle(limit);
                    } finally {
                        writer.drain(DRAIN_MILLIS);
                        closed(key);
                    }
                }

                @Override
                public Duration idleTime() {
                    return c.idleTime();
                }

                @Override
                public void close(boolean interrupt) {
                    c.close(interrupt);
                }
            };
        }
    }

    /**
     * Helidon's connection context with the connection's frames going out through a {@link CoalescingWriter} and
     * coming in through a {@link LateFrameFilter}.
     */
    private record CoalescingContext(ConnectionContext ctx, CoalescingWriter writer, DataReader reader)
            implements ConnectionContext {
        @Override
        public ListenerContext listenerContext() {
            return ctx.listenerContext();
        }

        @Override
        public ExecutorService executor() {
            return ctx.executor();
        }

        @Override
        public DataWriter dataWriter() {
            return writer;
        }

        @Override
        public DataReader dataReader() {
            return reader;
        }

        @Override
        public Router router() {
            return ctx.router();
        }

        @Override
        public Optional<ProxyProtocolData> proxyProtocolData() {
            return ctx.proxyProtocolData();
        }

        @Override
        public HelidonSocket serverSocket() {
            return ctx.serverSocket();
        }

        @Override
        public PeerInfo remotePeer() {
            return ctx.remotePeer();
        }

        @Override
        public PeerInfo localPeer() {
            return ctx.localPeer();
        }

        @Override
        public boolean isSecure() {
            return ctx.isSecure();
        }

        @Override
        public String socketId() {
            return ctx.socketId();
        }

        @Override
        public String childSocketId() {
            return ctx.childSocketId();
        }
    }
}
