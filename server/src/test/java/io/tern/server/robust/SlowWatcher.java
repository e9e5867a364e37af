package io.tern.server.robust;

import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.tern.api.proto.etcdserverpb.KVGrpc;
import io.tern.api.proto.etcdserverpb.WatchCreateRequest;
import io.tern.api.proto.mvccpb.Event;
import io.tern.api.proto.etcdserverpb.WatchGrpc;
import io.tern.api.proto.etcdserverpb.WatchProgressRequest;
import io.tern.api.proto.etcdserverpb.WatchRequest;
import io.tern.api.proto.etcdserverpb.WatchResponse;
import io.tern.server.RawClient;
import io.tern.server.TernServer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static io.tern.server.WatchProbe.b;

/**
 * A watch stream on its own connection that takes one answer and then reads nothing until {@link #resume}:
 * grpc-java's manual flow control asks for no more messages, so the member's HTTP/2 windows for it fill and
 * stay full.
 */
final class SlowWatcher implements AutoCloseable {
    private static final WatchRequest PROGRESS =
            WatchRequest.newBuilder().setProgressRequest(WatchProgressRequest.getDefaultInstance()).build();
    private final RawClient client;
    private final ClientCallStreamObserver<WatchRequest> call;
    private final CompletableFuture<WatchResponse> first = new CompletableFuture<>();
    private final BlockingQueue<WatchResponse> later = new LinkedBlockingQueue<>();
    private volatile Throwable error;

    /** With a {@code prefix}, watches it and waits for the created answer; with null, watches nothing. */
    SlowWatcher(TernServer server, String prefix, boolean prevKv) throws Exception {
        client = new RawClient(server);
        ClientCallStreamObserver<WatchRequest>[] s = new ClientCallStreamObserver[1];
        WatchGrpc.newStub(client.channel).watch(new ClientResponseObserver<WatchRequest, WatchResponse>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<WatchRequest> stream) {
                s[0] = stream;
                stream.disableAutoRequestWithInitial(1);
            }

            @Override
            public void onNext(WatchResponse r) {
                if (!first.complete(r)) {
                    later.add(r);
                }
            }

            @Override
            public void onError(Throwable t) {
                error = t;
                first.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
            }
        });
        call = s[0];
        if (prefix != null) {
            call.onNext(WatchRequest.newBuilder().setCreateRequest(WatchCreateRequest.newBuilder().setKey(b(prefix))
                    .setRangeEnd(b(ConnectionAbuseTest.prefixEnd(prefix))).setPrevKv(prevKv)).build());
            ConnectionAbuseTest.await(first, "created answer");
        }
    }

    /**
     * Sends up to {@code max} progress requests within {@code limit}, each only when gRPC's flow control
     * lets this client send (so nothing piles up on the client's side); returns how many went out.
     */
    long progressRequests(long max, Duration limit) throws InterruptedException {
        long end = System.nanoTime() + limit.toNanos();
        long sent = 0;
        while (sent < max && System.nanoTime() < end) {
            if (call.isReady()) {
                call.onNext(PROGRESS);
                sent++;
            } else {
                Thread.sleep(1);
            }
        }
        return sent;
    }

    /** A KV client on this watcher's own connection. */
    KVGrpc.KVBlockingStub kv() {
        return client.kv();
    }

    /** How the stream failed, waiting up to {@code limit} for it to fail (read everything first: {@link #resume}). */
    Throwable failure(Duration limit) throws InterruptedException {
        long end = System.nanoTime() + limit.toNanos();
        while (error == null && System.nanoTime() < end) {
            Thread.sleep(10);
        }
        if (error == null) {
            throw new AssertionError("the watch stream has not failed within " + limit);
        }
        return error;
    }

    /** Starts reading again, everything from now on. */
    void resume() {
        call.request(Integer.MAX_VALUE);
    }

    /**
     * The events of the responses that arrive after {@link #resume}, until {@code count} have come and no
     * more follow within a second; fails if the stream fails or the events stop short for 30 s.
     */
    List<Event> events(int count) throws InterruptedException {
        List<Event> events = new ArrayList<>();
        while (true) {
            WatchResponse r = later.poll(events.size() < count ? 30_000 : 1_000, TimeUnit.MILLISECONDS);
            if (r == null) {
                if (events.size() >= count) {
                    return events;
                }
                throw new AssertionError("only " + events.size() + " of " + count + " events after 30 s"
                        + (error == null ? "" : "; stream failed: " + error));
            }
            events.addAll(r.getEventsList());
        }
    }

    @Override
    public void close() {
        call.cancel("done", null);
        client.close();
    }
}
