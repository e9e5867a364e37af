package io.tern.server.grpc;

import io.helidon.common.buffers.BufferData;
import io.helidon.http.HttpPrologue;
import io.helidon.http.http2.Http2FrameHeader;
import io.helidon.http.http2.Http2FrameTypes;
import io.helidon.http.http2.Http2Headers;
import io.helidon.http.http2.Http2RstStream;
import io.helidon.http.http2.Http2Settings;
import io.helidon.http.http2.Http2StreamState;
import io.helidon.http.http2.Http2StreamWriter;
import io.helidon.http.http2.Http2WindowUpdate;
import io.helidon.http.http2.StreamFlowControl;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.Router;
import io.helidon.webserver.http2.spi.Http2SubProtocolSelector;
import io.helidon.webserver.http2.spi.SubProtocolResult;

import java.util.concurrent.atomic.AtomicReference;

/**
 * Wraps the handler of every gRPC call to work around two faults of Helidon 4.4 that cost a client its whole
 * connection.
 *
 * <p><b>Early resets.</b> A stream reset (RST_STREAM) that arrives while a call is still being set up on its
 * stream's thread reaches Helidon's call handler before the handler has the call's listener. It throws on the
 * connection's thread, and Helidon ends the whole connection with GOAWAY, failing every other call on it. A
 * client that cancels a call right after starting it does this. Here a reset that arrives before the call's
 * setup has returned is held, and handed over on the stream's thread once setup has returned; later resets
 * go straight through. (Helidon 4.5 checks for the listener itself.)
 *
 * <p><b>Frames after the server's end.</b> Once the server has ended a call (its trailers are sent) while the
 * client may still send, Helidon stops reading the stream, yet keeps queueing the client's frames for it; after
 * 32 of them its connection reader waits for room for ever, and the connection reads nothing more. A client
 * whose streaming call the server ends while its requests are in flight (a watch stream that never read its
 * answers, say) loses its connection so. Here the stream's thread goes on reading such a call's frames and
 * dropping them, as RFC 9113 §5.1 has a half-closed (local) stream do, until the client ends its side with
 * END_STREAM or RST_STREAM, or its connection ends. The server often ends a streaming call from another
 * thread while the stream's thread waits for the client's next frame; a client that then just drops its
 * connection would leave that thread parked, so every call's thread is released when its connection ends
 * (see {@link StreamReaper}) unless the call has ended on both sides first.
 */
final class GrpcStreamGuard implements Http2SubProtocolSelector {
    private final Http2SubProtocolSelector grpc;
    private final ConnectionTracker connections;

    GrpcStreamGuard(Http2SubProtocolSelector grpc, ConnectionTracker connections) {
        this.grpc = grpc;
        this.connections = connections;
    }

    @Override
    public SubProtocolResult subProtocol(ConnectionContext ctx, HttpPrologue prologue, Http2Headers headers,
                                         Http2StreamWriter streamWriter, int streamId, Http2Settings serverSettings,
                                         Http2Settings clientSettings, StreamFlowControl streamFlowControl,
                                         Http2StreamState currentStreamState, Router router) {
        SubProtocolResult r = grpc.subProtocol(ctx, prologue, headers, streamWriter, streamId, serverSettings,
                clientSettings, streamFlowControl, currentStreamState, router);
        if (!r.supported() || r.subProtocol() == null) {
            return r;
        }
        Guarded guarded = new Guarded(r.subProtocol(),
                release -> connections.onClose(ctx.socketId(), ctx.childSocketId(), release));
        return new SubProtocolResult(true, guarded);
    }

    /** Registers an action for the end of the call's connection; returns what forgets it. */
    interface ConnectionEnd {
        Runnable onClose(Runnable action);
    }

    /** One call's handler, with resets held until its setup ({@link #init}) has returned. */
    static final class Guarded implements SubProtocolHandler {
        private final SubProtocolHandler call;
        private final ConnectionEnd connectionEnd;
        /** Guarded by this. */
        private boolean started;
        /** A reset that came before {@link #started}; guarded by this. */
        private Http2RstStream held;
        /** The client has ended its side (END_STREAM or RST_STREAM) after the server ended the call. */
        private volatile boolean clientEnded;
        /** Forgets the release of the stream's thread at the connection's end; null once forgotten. */
        private final AtomicReference<Runnable> forgetRelease = new AtomicReference<>();

        Guarded(SubProtocolHandler call, ConnectionEnd connectionEnd) {
            this.call = call;
            this.connectionEnd = connectionEnd;
        }

        /**
         * Sets the call up, on the stream's thread; a setup that throws drops a held reset, as the call never
         * began.
         */
        @Override
        public void init() {
            Thread streamThread = Thread.currentThread();
            forgetRelease.set(connectionEnd.onClose(() -> StreamReaper.release(streamThread)));
            boolean ok = false;
            try {
                call.init();
                ok = true;
            } finally {
                Http2RstStream reset;
                synchronized (this) {
                    started = true;
                    reset = held;
                    held = null;
                }
                if (!ok || reset != null) {
                    forgetRelease(); // no call to wait for frames, or a reset one (StreamReaper's to release)
                }
                if (ok && reset != null) {
                    call.rstStream(reset);
                }
            }
        }

        @Override
        public void rstStream(Http2RstStream rstStream) {
            clientEnded = true;
            synchronized (this) {
                if (!started) {
                    held = rstStream;
                    return;
                }
            }
            forgetRelease(); // a reset call's thread is released by StreamReaper's listener
            call.rstStream(rstStream);
        }

        /**
         * The call's state, except that a call the server has ended reads as open until the client ends its side
         * too, and then as closed: Helidon's stream thread reads frames while the stream is open, and forgets the
         * stream once it is closed. Called on the stream's thread only.
         */
        @Override
        public Http2StreamState streamState() {
            Http2StreamState s = call.streamState();
            if (s == Http2StreamState.HALF_CLOSED_LOCAL) {
                s = clientEnded ? Http2StreamState.CLOSED : Http2StreamState.OPEN;
            }
            if (s == Http2StreamState.CLOSED) {
                forgetRelease();
            }
            return s;
        }

        private void forgetRelease() {
            Runnable forget = forgetRelease.getAndSet(null);
            if (forget != null) {
                forget.run();
            }
        }

        @Override
        public void windowUpdate(Http2WindowUpdate update) {
            call.windowUpdate(update);
        }

        /** A frame for a call the server has ended is dropped; its flow-control credit is given back by Helidon. */
        @Override
        public void data(Http2FrameHeader header, BufferData data) {
            if (call.streamState() == Http2StreamState.HALF_CLOSED_LOCAL) {
                if (header.flags(Http2FrameTypes.DATA).endOfStream()) {
                    clientEnded = true;
                }
                return;
            }
            call.data(header, data);
        }
    }
}
