package io.tern.server.grpc;

import io.grpc.stub.StreamObserver;
import io.tern.api.error.EtcdError;
import io.tern.api.error.ErrorMapper;
import io.tern.api.proto.etcdserverpb.WatchGrpc;
import io.tern.api.proto.etcdserverpb.WatchRequest;
import io.tern.api.proto.etcdserverpb.WatchResponse;
import io.tern.api.watch.WatchHub;
import io.tern.api.watch.WatchSink;
import io.tern.api.watch.WatchStream;

/**
 * {@code etcdserverpb.Watch} over gRPC: one {@link WatchStream} per call. The stream ends, and its
 * watchers go, when the client cancels or its connection drops. A create request the caller's rights
 * do not cover is answered as etcd does, with a canceled watch, and the stream goes on.
 */
public final class WatchEndpoint extends WatchGrpc.WatchImplBase {
    private final WatchHub hub;
    private final ConnectionTracker connections;

    public WatchEndpoint(WatchHub hub, ConnectionTracker connections) {
        this.hub = hub;
        this.connections = connections;
    }

    @Override
    public StreamObserver<WatchRequest> watch(StreamObserver<WatchResponse> responses) {
        AuthInterceptor.WatchRefusal refusal = AuthInterceptor.watchRefusal();
        Outbound out = new Outbound(responses);
        WatchStream stream = hub.open(out);
        Runnable forget = connections.onClose(() -> {
            out.abandon();
            stream.close();
        });
        return new StreamObserver<>() {
            @Override
            public void onNext(WatchRequest request) {
                String refused = refusal.reason(request);
                if (refused != null) {
                    stream.refuse(refused);
                } else {
                    stream.handle(request);
                }
            }

            /** The client cancelled: nothing more may be written to the stream. */
            @Override
            public void onError(Throwable t) {
                forget.run();
                out.abandon();
                stream.close();
            }

            /** As etcd's: the client's half-close ends its requests, not the watches; they run until it cancels. */
            @Override
            public void onCompleted() {
            }
        };
    }

    /** Serializes calls on the response observer between the stream's sender and the request side. */
    private static final class Outbound implements WatchSink {
        private final StreamObserver<WatchResponse> responses;
        private volatile boolean finished;

        Outbound(StreamObserver<WatchResponse> responses) {
            this.responses = responses;
        }

        @Override
        public synchronized void send(WatchResponse response) {
            if (!finished) {
                responses.onNext(response);
            }
        }

        @Override
        public void closed(Throwable cause) {
            finish(cause == null ? EtcdError.STOPPED.exception() : cause);
        }

        /** Called on Helidon's connection thread: must not wait for a send in progress. */
        void abandon() {
            finished = true;
        }

        synchronized void finish(Throwable error) {
            if (finished) {
                return;
            }
            finished = true;
            try {
                responses.onError(ErrorMapper.toException(error));
            } catch (RuntimeException ignored) {
                // the call is already gone
            }
        }
    }
}
