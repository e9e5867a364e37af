package io.tern.server.robust;

import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.tern.api.proto.etcdserverpb.KVGrpc;
import io.tern.api.proto.etcdserverpb.LeaseGrpc;
import io.tern.api.proto.etcdserverpb.LeaseKeepAliveRequest;
import io.tern.api.proto.etcdserverpb.LeaseKeepAliveResponse;
import io.tern.api.proto.etcdserverpb.PutRequest;
import io.tern.api.proto.etcdserverpb.WatchCreateRequest;
import io.tern.api.proto.etcdserverpb.WatchGrpc;
import io.tern.api.proto.etcdserverpb.WatchRequest;
import io.tern.api.proto.etcdserverpb.WatchResponse;
import io.tern.server.RawClient;
import io.tern.server.TernServer;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.tern.server.WatchProbe.b;

/** One connection that opens many watch or keep-alive streams at once and ends them in one chosen way. */
final class StreamChurn {
    /** How the streams end. */
    enum Ending {
        WATCH_CANCELLED_AFTER_CREATED("watch streams cancelled by the client after their created answer"),
        WATCH_CANCELLED_AT_ONCE("watch streams cancelled right after their create request"),
        KEEP_ALIVE_CANCELLED_AFTER_ANSWER("keep-alive streams cancelled after one answer (KeepAliveOnce)"),
        KEEP_ALIVE_CANCELLED_AT_ONCE("keep-alive streams cancelled right after their request"),
        CONNECTION_SHUT_DOWN("watch and keep-alive streams left open, their connection shut down at once");

        final String description;

        Ending(String description) {
            this.description = description;
        }

        /** True when the streams are cancelled without waiting for their first answer. */
        boolean atOnce() {
            return this == WATCH_CANCELLED_AT_ONCE || this == KEEP_ALIVE_CANCELLED_AT_ONCE;
        }
    }

    /** One open stream: the call, and its first answer. */
    private record Open(ClientCallStreamObserver<?> call, CompletableFuture<Object> answered) {
    }

    private StreamChurn() {
    }

    /**
     * Opens {@code streams} streams on a new connection to {@code server}, all at once, and ends them as
     * {@code how} says. Cancelled streams are cancelled before a last put on the same connection is
     * answered, so the member has read every cancel before the connection closes.
     */
    static void run(TernServer server, Ending how, int streams, String keyPrefix, long lease) throws Exception {
        RawClient client = new RawClient(server);
        try {
            boolean watches = how != Ending.KEEP_ALIVE_CANCELLED_AFTER_ANSWER && how != Ending.KEEP_ALIVE_CANCELLED_AT_ONCE;
            boolean keepAlives = !watches || how == Ending.CONNECTION_SHUT_DOWN;
            List<Open> open = new ArrayList<>();
            for (int i = 0; i < streams; i++) {
                boolean watch = watches && (!keepAlives || i % 2 == 0);
                open.add(watch ? watch(client, keyPrefix + i) : keepAlive(client, lease));
            }
            if (!how.atOnce()) {
                for (Open o : open) {
                    ConnectionAbuseTest.await(o.answered(), "first answer");
                }
            }
            if (how == Ending.CONNECTION_SHUT_DOWN) {
                client.channel.shutdownNow();
                return;
            }
            for (Open o : open) {
                o.call().cancel("done", null);
            }
            KVGrpc.newBlockingStub(client.channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .put(PutRequest.newBuilder().setKey(b(keyPrefix + "last")).setValue(b("v")).build());
            client.channel.shutdown();
            client.channel.awaitTermination(10, TimeUnit.SECONDS);
        } finally {
            client.close();
        }
    }

    private static Open watch(RawClient client, String key) {
        CompletableFuture<Object> answered = new CompletableFuture<>();
        List<ClientCallStreamObserver<WatchRequest>> call = new ArrayList<>(1);
        WatchGrpc.newStub(client.channel).watch(new ClientResponseObserver<WatchRequest, WatchResponse>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<WatchRequest> s) {
                call.add(s);
            }

            @Override
            public void onNext(WatchResponse r) {
                answered.complete(r);
            }

            @Override
            public void onError(Throwable t) {
                answered.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
            }
        });
        call.get(0).onNext(WatchRequest.newBuilder().setCreateRequest(WatchCreateRequest.newBuilder().setKey(b(key))).build());
        return new Open(call.get(0), answered);
    }

    private static Open keepAlive(RawClient client, long lease) {
        CompletableFuture<Object> answered = new CompletableFuture<>();
        List<ClientCallStreamObserver<LeaseKeepAliveRequest>> call = new ArrayList<>(1);
        LeaseGrpc.newStub(client.channel).leaseKeepAlive(
                new ClientResponseObserver<LeaseKeepAliveRequest, LeaseKeepAliveResponse>() {
                    @Override
                    public void beforeStart(ClientCallStreamObserver<LeaseKeepAliveRequest> s) {
                        call.add(s);
                    }

                    @Override
                    public void onNext(LeaseKeepAliveResponse r) {
                        answered.complete(r);
                    }

                    @Override
                    public void onError(Throwable t) {
                        answered.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                    }
                });
        call.get(0).onNext(LeaseKeepAliveRequest.newBuilder().setID(lease).build());
        return new Open(call.get(0), answered);
    }
}
