package io.tern.server;

import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.tern.api.proto.etcdserverpb.LeaseGrantRequest;
import io.tern.api.proto.etcdserverpb.LeaseGrpc;
import io.tern.api.proto.etcdserverpb.LeaseKeepAliveRequest;
import io.tern.api.proto.etcdserverpb.LeaseKeepAliveResponse;
import io.tern.api.proto.etcdserverpb.PutRequest;
import io.tern.api.proto.etcdserverpb.WatchCreateRequest;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.tern.server.WatchProbe.b;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Streams that clients cancel (etcd's KeepAliveOnce, closed watches) leave nothing behind on the server,
 * however many come and go on one connection.
 */
class CancelledStreamsTest {
    private static final int STREAMS = 3000;

    static List<String> engines() {
        return TernHarness.ENGINES;
    }

    @ParameterizedTest
    @MethodSource("engines")
    void keepAliveOnceAndWatchCancelsLeaveNoStreamThreads(String engine, @TempDir Path dir) throws Exception {
        try (TernServer server = TernHarness.start(dir.resolve("data"), engine); RawClient c = new RawClient(server)) {
            long lease = c.lease().leaseGrant(LeaseGrantRequest.newBuilder().setTTL(600).build()).getID();
            int baseline = LiveThreads.virtual();
            for (int i = 0; i < STREAMS; i++) {
                assertThat(keepAliveOnce(c, lease).get(10, TimeUnit.SECONDS).getTTL()).isEqualTo(600);
            }
            for (int i = 0; i < STREAMS / 10; i++) {
                try (WatchProbe w = c.watch()) {
                    w.create(WatchCreateRequest.newBuilder().setKey(b("cancelled/" + i))).created();
                }
            }
            c.kv().put(PutRequest.newBuilder().setKey(b("still")).setValue(b("serving")).build());
            Eventually.within(Duration.ofSeconds(20),
                    () -> assertThat(streamThreads(baseline)).as("Helidon stream threads still parked").isLessThan(20));
            assertThat(server.watches().watcherCount()).isZero();
        }
    }

    /** Streams whose connection just drops (no cancel from the client) leave nothing behind either. */
    @ParameterizedTest
    @MethodSource("engines")
    void droppedConnectionsLeaveNoStreamThreads(String engine, @TempDir Path dir) throws Exception {
        try (TernServer server = TernHarness.start(dir.resolve("data"), engine)) {
            long lease;
            try (RawClient c = new RawClient(server)) {
                lease = c.lease().leaseGrant(LeaseGrantRequest.newBuilder().setTTL(600).build()).getID();
            }
            int baseline = LiveThreads.virtual();
            for (int round = 0; round < 3; round++) {
                RawClient c = new RawClient(server);
                for (int i = 0; i < 100; i++) {
                    c.watch().create(WatchCreateRequest.newBuilder().setKey(b("dropped/" + i))).created();
                    var ka = LeaseGrpc.newStub(c.channel).leaseKeepAlive(new io.grpc.stub.StreamObserver<>() {
                        public void onNext(LeaseKeepAliveResponse r) {
                        }

                        public void onError(Throwable t) {
                        }

                        public void onCompleted() {
                        }
                    });
                    ka.onNext(LeaseKeepAliveRequest.newBuilder().setID(lease).build());
                }
                c.kv().put(PutRequest.newBuilder().setKey(b("k")).setValue(b("v")).build());
                // What the count below sees: each open stream holds a thread.
                assertThat(streamThreads(baseline)).as("threads of open streams").isGreaterThanOrEqualTo(200);
                c.channel.shutdownNow();
            }
            Eventually.within(Duration.ofSeconds(20), () -> {
                assertThat(streamThreads(baseline)).as("Helidon stream threads still parked").isLessThan(20);
                assertThat(server.watches().watcherCount()).isZero();
                assertThat(server.trackedConnectionActions()).isZero();
            });
        }
    }

    /** Opens a keep-alive stream, sends one request, takes the answer and cancels, as etcd's client does. */
    private static CompletableFuture<LeaseKeepAliveResponse> keepAliveOnce(RawClient c, long lease) {
        CompletableFuture<LeaseKeepAliveResponse> done = new CompletableFuture<>();
        ClientCallStreamObserver<LeaseKeepAliveRequest>[] call = new ClientCallStreamObserver[1];
        LeaseGrpc.newStub(c.channel).leaseKeepAlive(new ClientResponseObserver<LeaseKeepAliveRequest, LeaseKeepAliveResponse>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<LeaseKeepAliveRequest> s) {
                call[0] = s;
            }

            @Override
            public void onNext(LeaseKeepAliveResponse r) {
                done.complete(r);
                call[0].cancel("done", null);
            }

            @Override
            public void onError(Throwable t) {
                done.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
            }
        });
        call[0].onNext(LeaseKeepAliveRequest.newBuilder().setID(lease).build());
        return done;
    }

    /**
     * Live virtual threads beyond {@code baseline}: Helidon runs each HTTP/2 stream on one, and a stream
     * the server failed to end keeps its thread parked waiting for frames.
     */
    private static long streamThreads(int baseline) {
        return LiveThreads.virtual() - baseline;
    }
}
