package io.tern.server.grpc;

import io.helidon.common.buffers.BufferData;
import io.helidon.http.HttpPrologue;
import io.helidon.http.http2.Http2FrameHeader;
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

/**
 * Works around Helidon 4.4: a stream reset (RST_STREAM) that arrives while a gRPC call is still being set up
 * on its stream's thread reaches Helidon's call handler before the handler has the call's listener. It throws
 * on the connection's thread, and Helidon ends the whole connection with GOAWAY, failing every other call on
 * it. A client that cancels a call right after starting it does this. Here a reset that arrives before the
 * call's setup has returned is held, and handed over on the stream's thread once setup has returned; later
 * resets go straight through. (Helidon 4.5 checks for the listener itself.)
 */
final class EarlyResetGuard implements Http2SubProtocolSelector {
    private final Http2SubProtocolSelector grpc;

    EarlyResetGuard(Http2SubProtocolSelector grpc) {
        this.grpc = grpc;
    }

    @Override
    public SubProtocolResult subProtocol(ConnectionContext ctx, HttpPrologue prologue, Http2Headers headers,
                                         Http2StreamWriter streamWriter, int streamId, Http2Settings serverSettings,
                                         Http2Settings clientSettings, StreamFlowControl streamFlowControl,
                                         Http2StreamState currentStreamState, Router router) {
        SubProtocolResult r = grpc.subProtocol(ctx, prologue, headers, streamWriter, streamId, serverSettings,
                clientSettings, streamFlowControl, currentStreamState, router);
        return r.supported() && r.subProtocol() != null ? new SubProtocolResult(true, new Guarded(r.subProtocol())) : r;
    }

    /** One call's handler, with resets held until its setup ({@link #init}) has returned. */
    static final class Guarded implements SubProtocolHandler {
        private final SubProtocolHandler call;
        /** Guarded by this. */
        private boolean started;
        /** A reset that came before {@link #started}; guarded by this. */
        private Http2RstStream held;

        Guarded(SubProtocolHandler call) {
            this.call = call;
        }

        /** Sets the call up; a setup that throws drops a held reset, as the call never began. */
        @Override
        public void init() {
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
                if (ok && reset != null) {
                    call.rstStream(reset);
                }
            }
        }

        @Override
        public void rstStream(Http2RstStream rstStream) {
            synchronized (this) {
                if (!started) {
                    held = rstStream;
                    return;
                }
            }
            call.rstStream(rstStream);
        }

        @Override
        public Http2StreamState streamState() {
            return call.streamState();
        }

        @Override
        public void windowUpdate(Http2WindowUpdate update) {
            call.windowUpdate(update);
        }

        @Override
        public void data(Http2FrameHeader header, BufferData data) {
            call.data(header, data);
        }
    }
}
