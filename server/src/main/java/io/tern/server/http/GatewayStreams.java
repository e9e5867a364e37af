package io.tern.server.http;

import com.google.protobuf.Message;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.tern.api.error.EtcdError;
import io.tern.api.error.ErrorMapper;
import io.tern.api.lease.LeaseService;
import io.tern.api.maintenance.MaintenanceService;
import io.tern.api.proto.etcdserverpb.LeaseKeepAliveRequest;
import io.tern.api.proto.etcdserverpb.SnapshotRequest;
import io.tern.api.proto.etcdserverpb.WatchRequest;
import io.tern.api.proto.etcdserverpb.WatchResponse;
import io.tern.api.watch.WatchHub;
import io.tern.api.watch.WatchSink;
import io.tern.api.watch.WatchStream;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * The gateway's streaming paths, as grpc-gateway serves a stream to an HTTP client: the request body is
 * the stream's one request, and each response is written as its own JSON line wrapped in
 * {@code {"result": ...}}. {@code /v3/watch} stays open, one line per watch response, until the client
 * goes (noticed on the next write; an idle watch gets a progress notification every minute) or the
 * server stops; a refused watch answers its one line and ends. {@code /v3/lease/keepalive} answers one line.
 * {@code /v3/maintenance/snapshot} writes the copy's messages, the checksum last, and ends.
 */
public final class GatewayStreams {
    private static final long PROGRESS_EVERY_SECONDS = 60;
    private static final long ANSWER_WAIT_SECONDS = 5;
    private static final WatchRequest PROGRESS = WatchRequest.newBuilder()
            .setProgressRequest(io.tern.api.proto.etcdserverpb.WatchProgressRequest.getDefaultInstance()).build();
    private final WatchHub watches;
    private final LeaseService leases;
    private final MaintenanceService maintenance;

    public GatewayStreams(WatchHub watches, LeaseService leases, MaintenanceService maintenance) {
        this.watches = watches;
        this.leases = leases;
        this.maintenance = maintenance;
    }

    void snapshot(Gateway gateway, ServerRequest req, ServerResponse res) {
        Optional<SnapshotRequest> admitted = gateway.admit(SnapshotRequest.getDefaultInstance(), req, res);
        if (admitted.isEmpty()) {
            return;
        }
        SnapshotRequest request = admitted.get();
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        try (OutputStream out = res.outputStream()) {
            // A client that leaves is noticed by the next failed write, which ends the copy.
            try {
                maintenance.snapshot(response -> line(out, Gateway.print(response)), () -> false);
            } catch (IOException | RuntimeException e) {
                if (e instanceof UncheckedIOException) {
                    throw e;
                }
                // Lines may have gone out already: end with an error line, never a body that looks whole.
                errorLine(out, ErrorMapper.toStatus(e));
            }
        } catch (IOException | UncheckedIOException clientGone) {
            // nothing is left to tell
        }
    }

    void watch(Gateway gateway, ServerRequest req, ServerResponse res) {
        WatchRequest request;
        try {
            request = gateway.parse(WatchRequest.getDefaultInstance(), req);
        } catch (Gateway.GatewayException e) {
            Gateway.error(res, e.status);
            return;
        }
        Function<Object, Status> checks = gateway.checks(req);
        Status refused = checks.apply(request);
        if (refused != null && learnerRefusal(refused)) {
            Gateway.error(res, refused);
            return;
        }
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        CountDownLatch ended = new CountDownLatch(1);
        CountDownLatch answered = new CountDownLatch(1);
        try (OutputStream out = res.outputStream()) {
            WatchStream stream = watches.open(new WatchSink() {
                @Override
                public void send(WatchResponse response) {
                    line(out, Gateway.print(response));
                    answered.countDown();
                }

                @Override
                public void closed(Throwable cause) {
                    ended.countDown();
                }
            });
            try {
                if (refused != null) {
                    // As on a gRPC stream: a created-and-canceled answer naming the error. This request's
                    // only watch is refused, so the response ends once that answer is out.
                    stream.refuse(ErrorMapper.goError(refused));
                    answered.await(ANSWER_WAIT_SECONDS, TimeUnit.SECONDS);
                    return;
                }
                stream.handle(request);
                // An HTTP client that went away is noticed only by a failed write: an idle watch gets a
                // progress notification (an etcd watch response without events) now and then.
                while (!ended.await(PROGRESS_EVERY_SECONDS, TimeUnit.SECONDS)) {
                    stream.handle(PROGRESS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                stream.close();
            }
        } catch (IOException | UncheckedIOException clientGone) {
            // nothing is left to tell
        }
    }

    /**
     * A server-streaming call ({@code /v3/election/observe}): every answer a result line; a failure before
     * the first one is an error answer, a failure after it an {@code {"error": ...}} line, as grpc-gateway
     * ends a stream. A client that left is noticed by the next write, which ends the call.
     */
    <Q extends Message, A extends Message> void serverStream(Gateway gateway, Q prototype,
                                                              BiConsumer<Q, StreamObserver<A>> endpoint,
                                                              ServerRequest req, ServerResponse res) {
        Optional<Q> admitted = gateway.admit(prototype, req, res);
        if (admitted.isEmpty()) {
            return;
        }
        Q request = admitted.get();
        OutputStream[] out = {null};
        endpoint.accept(request, new StreamObserver<>() {
            @Override
            public void onNext(A value) {
                if (out[0] == null) {
                    res.header(HeaderNames.CONTENT_TYPE, "application/json");
                    out[0] = res.outputStream();
                }
                line(out[0], Gateway.print(value));
            }

            @Override
            public void onError(Throwable t) {
                Status status = ErrorMapper.toStatus(t);
                if (out[0] == null) {
                    Gateway.error(res, status);
                    return;
                }
                try {
                    errorLine(out[0], status);
                    out[0].close();
                } catch (IOException | UncheckedIOException ignored) {
                    // the client left
                }
            }

            @Override
            public void onCompleted() {
                try {
                    if (out[0] == null) {
                        res.send();
                    } else {
                        out[0].close();
                    }
                } catch (IOException ignored) {
                    // the client left
                }
            }
        });
    }

    void keepAlive(Gateway gateway, ServerRequest req, ServerResponse res) {
        Optional<LeaseKeepAliveRequest> admitted = gateway.admit(LeaseKeepAliveRequest.getDefaultInstance(), req, res);
        if (admitted.isEmpty()) {
            return;
        }
        LeaseKeepAliveRequest request = admitted.get();
        try {
            Gateway.json(res, "{\"result\":" + Gateway.print(leases.keepAlive(request).get()) + "}");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            Gateway.error(res, ErrorMapper.toStatus(e));
        } catch (java.util.concurrent.ExecutionException e) {
            Gateway.error(res, ErrorMapper.toStatus(e.getCause()));
        }
    }

    private static boolean learnerRefusal(Status s) {
        return EtcdError.NOT_SUPPORTED_FOR_LEARNER.message().equals(s.getDescription());
    }

    /** grpc-gateway's last line of a stream that failed. */
    private static void errorLine(OutputStream out, Status status) {
        String message = Gateway.print(com.google.protobuf.Value.newBuilder()
                .setStringValue(String.valueOf(status.getDescription())).build());
        try {
            out.write(("{\"error\":{\"grpc_code\":" + status.getCode().value() + ",\"http_code\":"
                    + Gateway.httpStatus(status.getCode()) + ",\"message\":" + message + "}}\n")
                    .getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void line(OutputStream out, String json) {
        try {
            out.write(("{\"result\":" + json + "}\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
