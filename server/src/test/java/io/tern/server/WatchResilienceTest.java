package io.tern.server;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.options.WatchOption;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.tern.api.proto.etcdserverpb.PutRequest;
import io.tern.api.proto.etcdserverpb.WatchCreateRequest;
import io.tern.api.proto.etcdserverpb.WatchGrpc;
import io.tern.api.proto.etcdserverpb.WatchRequest;
import io.tern.api.proto.etcdserverpb.WatchResponse;
import io.tern.server.config.ServerConfig;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static io.tern.server.TernHarness.bs;
import static io.tern.server.WatchProbe.b;
import static org.assertj.core.api.Assertions.assertThat;

/** Watch under load, misuse, disconnects, compaction and restarts, on every engine. */
class WatchResilienceTest {
    @TempDir
    Path dir;

    static List<String> engines() {
        return TernHarness.ENGINES;
    }

    @ParameterizedTest
    @MethodSource("engines")
    void tenThousandWatchesOpenAndCancelOnOneStream(String engine) {
        try (TernServer server = TernHarness.start(dir, engine); RawClient c = new RawClient(server);
             WatchProbe w = c.watch()) {
            int n = 10_000;
            for (int i = 0; i < n; i++) {
                w.create(WatchCreateRequest.newBuilder().setKey(b("many/" + i)));
            }
            for (int i = 0; i < n; i++) {
                w.created();
            }
            assertThat(server.watches().watcherCount()).isEqualTo(n);
            for (int i = 0; i < n; i++) {
                w.cancel(i);
            }
            for (int i = 0; i < n; i++) {
                assertThat(w.next().getCanceled()).isTrue();
            }
            assertThat(server.watches().watcherCount()).isZero();
        }
    }

    @ParameterizedTest
    @MethodSource("engines")
    void droppedConnectionsLeaveNoWatchers(String engine) throws Exception {
        try (TernServer server = TernHarness.start(dir, engine)) {
            for (int round = 0; round < 5; round++) {
                RawClient c = new RawClient(server);
                WatchProbe w = c.watch();
                for (int i = 0; i < 100; i++) {
                    w.create(WatchCreateRequest.newBuilder().setKey(b("drop/" + i)));
                }
                for (int i = 0; i < 100; i++) {
                    w.created();
                }
                c.channel.shutdownNow(); // no cancel from the client: the connection just goes
            }
            Eventually.within(Duration.ofSeconds(10), () -> {
                assertThat(server.watches().watcherCount()).isZero();
                assertThat(server.trackedConnectionActions()).isZero();
            });
        }
    }

    /**
     * A client that stops reading while 40 MiB of events are written: writes carry on, and when it reads
     * again it gets every event, in order, once.
     */
    @ParameterizedTest
    @MethodSource("engines")
    void stalledReaderCatchesUpWithoutHoldingWritesBack(String engine) throws Exception {
        try (TernServer server = TernHarness.start(dir, engine); RawClient c = new RawClient(server)) {
            BlockingQueue<WatchResponse> got = new LinkedBlockingQueue<>();
            ClientCallStreamObserver<WatchRequest>[] stream = new ClientCallStreamObserver[1];
            WatchGrpc.newStub(c.channel).watch(new ClientResponseObserver<WatchRequest, WatchResponse>() {
                @Override
                public void beforeStart(ClientCallStreamObserver<WatchRequest> s) {
                    stream[0] = s;
                    s.disableAutoRequestWithInitial(1);
                }

                @Override
                public void onNext(WatchResponse r) {
                    got.add(r);
                }

                @Override
                public void onError(Throwable t) {
                }

                @Override
                public void onCompleted() {
                }
            });
            // Two watchers on the one stream: they fall behind together and catch up through one queue.
            for (int id = 1; id <= 2; id++) {
                stream[0].onNext(WatchRequest.newBuilder().setCreateRequest(WatchCreateRequest.newBuilder()
                        .setKey(b("slow/")).setRangeEnd(b("slow0")).setWatchId(id)).build());
            }
            assertThat(got.poll(10, TimeUnit.SECONDS).getCreated()).isTrue();
            stream[0].request(1);
            assertThat(got.poll(10, TimeUnit.SECONDS).getCreated()).isTrue();

            String value = "v".repeat(100 * 1024);
            List<Long> revisions = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                revisions.add(c.kv().put(PutRequest.newBuilder().setKey(b("slow/" + (i % 10))).setValue(b(value)).build())
                        .getHeader().getRevision());
            }
            assertThat(got).isEmpty();

            stream[0].request(Integer.MAX_VALUE);
            java.util.Map<Long, List<Long>> seen = new java.util.HashMap<>(java.util.Map.of(1L, new ArrayList<>(), 2L, new ArrayList<>()));
            while (seen.get(1L).size() < revisions.size() || seen.get(2L).size() < revisions.size()) {
                WatchResponse r = got.poll(20, TimeUnit.SECONDS);
                assertThat(r).as("events after %s of %d", seen, revisions.size()).isNotNull();
                r.getEventsList().forEach(e -> seen.get(r.getWatchId()).add(e.getKv().getModRevision()));
            }
            assertThat(seen.get(1L)).isEqualTo(revisions);
            assertThat(seen.get(2L)).isEqualTo(revisions);
            stream[0].cancel("done", null);
        }
    }

    /** jetcd's resume path: the compacted error carries the revision to start again from. */
    @ParameterizedTest
    @MethodSource("engines")
    void resumeAfterCompactionError(String engine) throws Exception {
        try (TernServer server = TernHarness.start(dir, engine); Client client = TernHarness.client(server)) {
            long first = client.getKVClient().put(bs("rc/a"), bs("1")).get().getHeader().getRevision();
            long second = client.getKVClient().put(bs("rc/a"), bs("2")).get().getHeader().getRevision();
            client.getKVClient().compact(second).get();
            BlockingQueue<Throwable> errors = new LinkedBlockingQueue<>();
            try (Watch.Watcher w = client.getWatchClient().watch(bs("rc/a"),
                    WatchOption.builder().withRevision(first).build(), r -> { }, errors::add)) {
                Throwable t = errors.poll(10, TimeUnit.SECONDS);
                assertThat(t).isInstanceOf(CompactedException.class);
                assertThat(((CompactedException) t).getCompactedRevision()).isEqualTo(second);
            }
            List<String> values = new CopyOnWriteArrayList<>();
            try (Watch.Watcher w = client.getWatchClient().watch(bs("rc/a"),
                    WatchOption.builder().withRevision(second).build(),
                    r -> r.getEvents().forEach(e -> values.add(e.getKeyValue().getValue().toString())))) {
                client.getKVClient().put(bs("rc/a"), bs("3")).get();
                Eventually.within(Duration.ofSeconds(10), () -> assertThat(values.size() == 2).isTrue());
                assertThat(values).containsExactly("2", "3");
            }
        }
    }

    /** A client re-watching from its last revision + 1 after a server restart misses nothing. */
    @ParameterizedTest
    @MethodSource("engines")
    void rewatchAcrossRestartMissesNothing(String engine) throws Exception {
        ServerConfig config = ServerConfig.singleNode("default", dir, 0, TernHarness.freePort(), engine);
        List<Long> seen = new CopyOnWriteArrayList<>();
        List<Long> written = new ArrayList<>();
        long last;
        try (TernServer server = TernServer.start(config); Client client = TernHarness.client(server)) {
            // From an explicit revision: jetcd creates the watch asynchronously, after the first puts maybe.
            long start = client.getKVClient().get(bs("rs/")).get().getHeader().getRevision() + 1;
            try (Watch.Watcher w = client.getWatchClient().watch(bs("rs/"),
                    WatchOption.builder().isPrefix(true).withRevision(start).build(),
                    r -> r.getEvents().forEach(e -> seen.add(e.getKeyValue().getModRevision())))) {
                for (int i = 0; i < 20; i++) {
                    written.add(client.getKVClient().put(bs("rs/" + i), bs("v")).get().getHeader().getRevision());
                }
                Eventually.within(Duration.ofSeconds(10), () -> assertThat(seen.size() == 20).isTrue());
            }
            last = seen.get(seen.size() - 1);
            for (int i = 20; i < 30; i++) { // written while nobody watches
                written.add(client.getKVClient().put(bs("rs/" + i), bs("v")).get().getHeader().getRevision());
            }
        }
        try (TernServer server = TernServer.start(config); Client client = TernHarness.client(server)) {
            try (Watch.Watcher w = client.getWatchClient().watch(bs("rs/"),
                    WatchOption.builder().isPrefix(true).withRevision(last + 1).build(),
                    r -> r.getEvents().forEach(e -> seen.add(e.getKeyValue().getModRevision())))) {
                for (int i = 30; i < 40; i++) {
                    written.add(client.getKVClient().put(bs("rs/" + i), bs("v")).get().getHeader().getRevision());
                }
                Eventually.within(Duration.ofSeconds(10), () -> assertThat(seen.size() == 40).isTrue());
            }
        }
        assertThat(seen).isEqualTo(written);
    }

    @ParameterizedTest
    @MethodSource("engines")
    void idleWatchersGetProgressNotifications(String engine) {
        ServerConfig config = ServerConfig.singleNode("default", dir, 0, TernHarness.freePort(), engine)
                .withWatchProgressInterval(Duration.ofMillis(300));
        try (TernServer server = TernServer.start(config); RawClient c = new RawClient(server); WatchProbe w = c.watch()) {
            long rev = c.kv().put(PutRequest.newBuilder().setKey(b("pn")).setValue(b("v")).build()).getHeader().getRevision();
            long id = w.create(WatchCreateRequest.newBuilder().setKey(b("pn/x")).setProgressNotify(true)).created();
            WatchResponse r = w.next();
            assertThat(r.getWatchId()).isEqualTo(id);
            assertThat(r.getEventsCount()).isZero();
            assertThat(r.getHeader().getRevision()).isEqualTo(rev);
        }
    }

}
