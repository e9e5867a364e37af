package io.tern.server.robust;

import io.grpc.ManagedChannel;
import io.tern.api.proto.etcdserverpb.KVGrpc;
import io.tern.api.proto.etcdserverpb.LeaseGrantRequest;
import io.tern.api.proto.etcdserverpb.PutRequest;
import io.tern.api.proto.etcdserverpb.WatchCreateRequest;
import io.tern.api.proto.etcdserverpb.WatchResponse;
import io.tern.api.proto.mvccpb.Event;
import io.tern.server.EngineServers;
import io.tern.server.Eventually;
import io.tern.server.RawClient;
import io.tern.server.TernHarness;
import io.tern.server.TernServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import static io.tern.server.WatchProbe.b;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Clients that misbehave on purpose, on every engine: connections dropped at every point of the HTTP/2
 * exchange, streams opened and cancelled by the thousand, watchers that never read. Contract: the member
 * keeps answering everyone else, buffers a bounded amount for a client that does not read, and once the
 * abusers are gone its threads and file descriptors come back to where they were.
 */
class ConnectionAbuseTest {
    /** Connections of one kind open at once. */
    private static final int CONNECTIONS = 50;
    /** Threads and descriptors that may come and go on their own (timers, pools growing by one). */
    private static final int SLACK = 5;
    private static final Duration SETTLE = Duration.ofSeconds(30);
    private static final String PUT = "/etcdserverpb.KV/Put";

    @TempDir
    static Path dir;
    private static EngineServers servers;

    @BeforeAll
    static void start() {
        servers = new EngineServers(dir);
    }

    @AfterAll
    static void stop() {
        servers.close();
    }

    // ------------------------------------------------------------------ (a) raw connections dropped

    /** What one abusive connection sends before it goes. */
    interface Script {
        void play(Socket socket, OutputStream out) throws Exception;
    }

    /**
     * {@link #CONNECTIONS} connections that each play {@code script}, wait {@code lingerMillis} and drop.
     * With {@code checkWhileOpen} the member must also have let go of everything but the connections
     * themselves before they drop (one thread and one descriptor each, and the client's descriptor).
     */
    record Drop(String engine, String how, Script script, int lingerMillis, boolean checkWhileOpen) {
        Drop(String engine, String how, Script script) {
            this(engine, how, script, 200, false);
        }

        @Override
        public String toString() {
            return engine + ": " + how;
        }
    }

    /**
     * Connections cut off at every stage of the HTTP/2 exchange short of a call. The transport is the same
     * whatever the engine, so the rows take the engines in turn rather than each running twice.
     */
    static Stream<Drop> drops() {
        byte[] put = PutRequest.newBuilder().setKey(b("abuse/put")).setValue(b("v")).build().toByteArray();
        List<Drop> rows = new ArrayList<>();
        rows.add(new Drop(engine(rows), "closed at once", (s, out) -> { }));
        rows.add(new Drop(engine(rows), "reset at once (RST, no FIN)", (s, out) -> s.setSoLinger(true, 0)));
        rows.add(new Drop(engine(rows), "half of the HTTP/2 preface",
                (s, out) -> out.write(RawHttp2.PREFACE, 0, RawHttp2.PREFACE.length / 2)));
        rows.add(new Drop(engine(rows), "garbage", (s, out) -> {
            byte[] junk = new byte[512];
            new Random(s.getLocalPort()).nextBytes(junk);
            out.write(junk);
        }));
        rows.add(new Drop(engine(rows), "an HTTP/1.1 request cut short", (s, out) -> out.write(
                "POST /v3/kv/put HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"key\":"
                        .getBytes(StandardCharsets.US_ASCII))));
        rows.add(new Drop(engine(rows), "preface and SETTINGS only", (s, out) -> out.write(RawHttp2.opening())));
        rows.add(new Drop(engine(rows), "unary call: whole put, dropped before the answer", (s, out) -> out.write(
                RawHttp2.concat(RawHttp2.opening(), RawHttp2.grpcHeaders(1, PUT), RawHttp2.message(1, put, true))),
                0, false));
        rows.add(new Drop(engine(rows), "watch stream: headers only", (s, out) -> out.write(RawHttp2.concat(
                RawHttp2.opening(), RawHttp2.grpcHeaders(1, "/etcdserverpb.Watch/Watch")))));
        rows.add(new Drop(engine(rows), "keep-alive stream: message cut short", (s, out) -> out.write(RawHttp2.concat(
                RawHttp2.opening(), RawHttp2.grpcHeaders(1, "/etcdserverpb.Lease/LeaseKeepAlive"),
                RawHttp2.partialMessage(1, 20, 3)))));
        return rows.stream();
    }

    /** JSON gateway requests over HTTP/2 (prior knowledge) whose connection drops before the body is whole. */
    static Stream<Drop> gatewayRequestsCutShort() {
        byte[] json = "{\"key\": \"YWJ1c2U=\", \"value\": \"dg==\"}".getBytes(StandardCharsets.US_ASCII);
        List<Drop> rows = new ArrayList<>();
        rows.add(new Drop(engine(rows), "gateway over HTTP/2: headers only", (s, out) -> out.write(RawHttp2.concat(
                RawHttp2.opening(), RawHttp2.jsonHeaders(1, "/v3/kv/put")))));
        rows.add(new Drop(engine(rows), "gateway over HTTP/2: body cut short", (s, out) -> out.write(RawHttp2.concat(
                RawHttp2.opening(), RawHttp2.jsonHeaders(1, "/v3/kv/put"),
                RawHttp2.data(1, java.util.Arrays.copyOf(json, 10))))));
        return rows.stream();
    }

    /**
     * Unary calls whose request never arrives whole: Helidon 4.4 parked the call's stream thread for good
     * (the stream reaper released streaming calls only), one leaked thread per such call.
     */
    static Stream<Drop> unaryRequestsCutShort() {
        List<Drop> rows = new ArrayList<>();
        for (String engine : TernHarness.ENGINES) {
            rows.add(new Drop(engine, "connection dropped after the headers", (s, out) -> out.write(RawHttp2.concat(
                    RawHttp2.opening(), RawHttp2.grpcHeaders(1, "/etcdserverpb.KV/Range")))));
            rows.add(new Drop(engine, "connection dropped in the middle of the message", (s, out) -> out.write(
                    RawHttp2.concat(RawHttp2.opening(), RawHttp2.grpcHeaders(1, PUT), RawHttp2.partialMessage(1, 100, 10)))));
            rows.add(new Drop(engine, "call cancelled in the middle of the message, connection kept", (s, out) -> {
                out.write(RawHttp2.concat(RawHttp2.opening(), RawHttp2.grpcHeaders(1, PUT),
                        RawHttp2.partialMessage(1, 100, 10)));
                out.flush();
                Thread.sleep(20); // the call has started and waits for the rest
                out.write(RawHttp2.cancel(1));
            }, 200, true));
        }
        return rows.stream();
    }

    /** The engine for the next row of a table whose rows take the engines in turn. */
    private static String engine(List<?> rowsSoFar) {
        return TernHarness.ENGINES.get(rowsSoFar.size() % TernHarness.ENGINES.size());
    }

    @ParameterizedTest
    @MethodSource("drops")
    void droppedConnectionsLeaveNothingBehind(Drop row) throws Exception {
        dropAndSettle(row);
    }

    /** Regression: fifty such calls left fifty parked virtual threads before the reaper watched unary calls. */
    @ParameterizedTest
    @MethodSource("unaryRequestsCutShort")
    void unaryCallCutShortLeftItsStreamThreadParked(Drop row) throws Exception {
        dropAndSettle(row);
    }

    /**
     * Regression, found by this test: Helidon 4.4 parks an HTTP/2 stream's thread that waits for a request
     * body for good when the connection drops, as it does for gRPC calls, and the stream reaper saw only gRPC
     * calls, so each such gateway request leaked a virtual thread. The gateway now hands its body reads to
     * the reaper while they last.
     */
    @ParameterizedTest
    @MethodSource("gatewayRequestsCutShort")
    void gatewayRequestCutShortOverHttp2LeftItsStreamThreadParked(Drop row) throws Exception {
        dropAndSettle(row);
    }

    /** Plays the row's script on {@link #CONNECTIONS} connections, drops them, and checks what is left. */
    private static void dropAndSettle(Drop row) throws Exception {
        TernServer server = servers.server(row.engine());
        put(servers.raw(row.engine()), "before");
        Resources before = Resources.now();
        List<Socket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < CONNECTIONS; i++) {
                Socket s = new Socket();
                sockets.add(s);
                s.connect(new InetSocketAddress("127.0.0.1", server.clientPort(0)), 5000);
                row.script().play(s, s.getOutputStream());
                s.getOutputStream().flush();
            }
            Thread.sleep(row.lingerMillis());
            if (row.checkWhileOpen()) {
                settles(before, CONNECTIONS, 2 * CONNECTIONS);
            }
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
        stillServes(server);
        settles(before, 0, 0);
    }

    // ------------------------------------------------------------------ (b) streams opened and cancelled

    /** {@code channels} connections at once, each opening {@code streams} streams and ending them as {@code how}. */
    record Churn(String engine, StreamChurn.Ending how, int channels, int streams) {
        @Override
        public String toString() {
            return engine + ": " + streams * channels + " streams, " + how.description;
        }
    }

    /** Endings of 1,000 streams each; as with {@link #drops}, the rows take the engines in turn. */
    static Stream<Churn> churns() {
        List<Churn> rows = new ArrayList<>();
        for (StreamChurn.Ending how : StreamChurn.Ending.values()) {
            if (!how.atOnce()) {
                rows.add(new Churn(engine(rows), how, 4, 250));
            }
        }
        return rows.stream();
    }

    /** Streams cancelled right after their first request. */
    static Stream<Churn> cancelledAtOnce() {
        List<Churn> rows = new ArrayList<>();
        for (StreamChurn.Ending how : StreamChurn.Ending.values()) {
            if (how.atOnce()) {
                rows.add(new Churn(engine(rows), how, 4, 250));
            }
        }
        return rows.stream();
    }

    /**
     * Regression, found by this test: grpc-java, cancelling a stream right after its first message, can send
     * the message's DATA frame after its RST_STREAM, and Helidon 4.4 then ended the whole connection (GOAWAY
     * PROTOCOL_ERROR "Received data for stream N in state CLOSED"), failing every other call on it. Such frames
     * are now dropped before Helidon reads them ({@code LateFrameFilter}).
     */
    @ParameterizedTest
    @MethodSource("cancelledAtOnce")
    void streamsCancelledRightAfterOpeningClosedTheirWholeConnection(Churn row) throws Exception {
        streamsOpenedAndCancelledLeaveNothingBehind(row);
    }

    /**
     * Regression, found by the test above: a reset that reached Helidon 4.4 before the call's listener was
     * set made {@code GrpcProtocolHandler.rstStream} throw a NullPointerException on the connection's
     * thread, and Helidon ended the whole connection with GOAWAY INTERNAL_ERROR.
     */
    @ParameterizedTest
    @MethodSource("cancelledAtOnce")
    void streamsCancelledRightAfterOpeningNeverFailTheServerInternally(Churn row) throws Exception {
        TernServer server = servers.server(row.engine());
        long lease = servers.raw(row.engine()).lease().leaseGrant(LeaseGrantRequest.newBuilder().setTTL(600).build()).getID();
        ExecutorService pool = Executors.newFixedThreadPool(row.channels());
        List<String> failures = new ArrayList<>();
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < row.channels(); c++) {
                int channel = c;
                done.add(pool.submit(() -> {
                    StreamChurn.run(server, row.how(), row.streams(), "early/" + channel + "/", lease);
                    return null;
                }));
            }
            for (Future<?> f : done) {
                try {
                    f.get(2, TimeUnit.MINUTES);
                } catch (java.util.concurrent.ExecutionException e) {
                    failures.add(String.valueOf(e.getCause()));
                }
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(failures).as("connections ended by the server").noneMatch(f -> f.contains("INTERNAL_ERROR"));
        stillServes(server);
    }

    @ParameterizedTest
    @MethodSource("churns")
    void streamsOpenedAndCancelledLeaveNothingBehind(Churn row) throws Exception {
        TernServer server = servers.server(row.engine());
        RawClient client = servers.raw(row.engine());
        long lease = client.lease().leaseGrant(LeaseGrantRequest.newBuilder().setTTL(600).build()).getID();
        put(client, "before");
        Resources before = Resources.now();
        ExecutorService pool = Executors.newFixedThreadPool(row.channels());
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < row.channels(); c++) {
                int channel = c;
                done.add(pool.submit(() -> {
                    StreamChurn.run(server, row.how(), row.streams(), "churn/" + channel + "/", lease);
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(2, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
        stillServes(server);
        Eventually.within(SETTLE, () -> {
            assertThat(server.watches().watcherCount()).as("watchers left").isZero();
            assertThat(server.trackedConnectionActions()).as("connection-close actions left").isZero();
        });
        settles(before, 0, 0);
    }

    // ------------------------------------------------------------------ (c) watchers that never read

    /**
     * Two watchers that take their created answer and then read nothing more (their HTTP/2 windows fill),
     * one with prev_kv so that their events are not shared, while four clients put 48 MiB under their prefix.
     * Every put is answered within its deadline, a reading watcher beside them gets every event, and the
     * member holds a bounded amount for them (its per-stream budget, not the 48 MiB). When they read again
     * they get every event, in order, with its previous value where asked (as etcd's slow watchers catch up
     * from the store); once they go, everything they held goes too. The engine matters here (catching up
     * reads history from it), so this runs on each.
     */
    @ParameterizedTest
    @MethodSource("io.tern.server.TernHarness#engines")
    void watchersThatNeverReadCostBoundedMemory(String engine) throws Exception {
        TernServer server = servers.server(engine);
        RawClient client = servers.raw(engine);
        String prefix = "slow-" + engine + "/";
        byte[] value = new byte[16 * 1024];
        writeAll(client.channel, prefix, value, 400); // the engine's caches fill before the baseline
        Resources before = Resources.now();
        long heapBefore = Resources.liveHeap();
        List<SlowWatcher> slow = List.of(new SlowWatcher(server, prefix, false), new SlowWatcher(server, prefix, true));
        try (RawClient readerChannel = new RawClient(server)) {
            var reader = readerChannel.watch();
            reader.create(WatchCreateRequest.newBuilder().setKey(b(prefix)).setRangeEnd(b(prefixEnd(prefix)))).created();
            int puts = 3000;
            long slowest = writeAll(client.channel, prefix, value, puts);
            assertThat(reader.untilEvents(puts).stream().mapToInt(WatchResponse::getEventsCount).sum())
                    .as("events the reading watcher got").isEqualTo(puts);
            long heapLoaded = Resources.liveHeap();
            System.out.printf("slow watchers (%s): live heap %d MiB before, %d MiB with them behind; slowest put %d ms%n",
                    engine, heapBefore >> 20, heapLoaded >> 20, slowest);
            assertThat(heapLoaded - heapBefore).as("heap held for two watchers 48 MiB behind")
                    .isLessThan(64L << 20);
            reader.close();
            for (SlowWatcher w : slow) {
                w.resume();
            }
            for (int i = 0; i < slow.size(); i++) {
                List<Event> events = slow.get(i).events(puts);
                boolean prevKv = i == 1;
                assertThat(events).as("events of slow watcher %d once it reads again", i).hasSize(puts);
                for (int e = 1; e < events.size(); e++) {
                    assertThat(events.get(e).getKv().getModRevision()).as("revision of event %d", e)
                            .isGreaterThan(events.get(e - 1).getKv().getModRevision());
                }
                assertThat(events).as("prev_kv on the events of slow watcher %d", i)
                        .allMatch(ev -> ev.hasPrevKv() == prevKv);
            }
        } finally {
            slow.forEach(SlowWatcher::close);
        }
        Eventually.within(SETTLE, () -> assertThat(server.watches().watcherCount()).isZero());
        stillServes(server);
        settles(before, 0, 0);
    }

    /**
     * A client that reads nothing but keeps sending requests that each deserve an answer (progress
     * requests): the member stops taking its requests once enough answers wait, as etcd does, instead of
     * queueing answers without bound; other clients are answered meanwhile. Nothing here touches storage,
     * so one engine is enough.
     *
     * <p>While the stream takes no requests, Helidon reads nothing else of that client's connection. It used
     * to stay so until the blocked answer's flow-control wait gave up, 5 minutes later (and for ever, had
     * the client kept sending after the stream ended): now the stream ends once its answers have been stuck
     * for the control stall (10 s), with etcd's "too many requests", and the connection serves the client's
     * other calls again.
     */
    @Test
    void progressFloodWithoutReadingEndsTheStreamButNotItsConnection() throws Exception {
        String engine = TernHarness.ENGINES.get(0);
        TernServer server = servers.server(engine);
        put(servers.raw(engine), "before");
        Resources before = Resources.now();
        long heapBefore = Resources.liveHeap();
        try (SlowWatcher flood = new SlowWatcher(server, null, false)) {
            long sent = flood.progressRequests(300_000, Duration.ofSeconds(5));
            put(servers.raw(engine), "during");
            long heapLoaded = Resources.liveHeap();
            System.out.printf("progress flood (%s): %d requests sent; live heap %d MiB before, %d MiB after%n",
                    engine, sent, heapBefore >> 20, heapLoaded >> 20);
            assertThat(heapLoaded - heapBefore).as("heap held for %d unread progress answers", sent)
                    .isLessThan(16L << 20);

            long t0 = System.nanoTime();
            flood.kv().withDeadlineAfter(30, TimeUnit.SECONDS)
                    .put(PutRequest.newBuilder().setKey(b("abuse/flooder")).setValue(b("v")).build());
            System.out.printf("progress flood (%s): the flooder's own connection answered a put after %d ms%n",
                    engine, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
            flood.resume();
            io.grpc.Status status = io.grpc.Status.fromThrowable(flood.failure(Duration.ofSeconds(10)));
            if (status.getCode() == io.grpc.Status.Code.INTERNAL) {
                // The end cut short the answer that waited on this client's flow control, and grpc-java
                // reports the cut message rather than the trailers' status.
                assertThat(status.getDescription()).contains("end-of-stream mid-frame");
            } else {
                assertThat(status.getCode()).isEqualTo(io.grpc.Status.Code.RESOURCE_EXHAUSTED);
                assertThat(status.getDescription()).isEqualTo("etcdserver: too many requests");
            }
            Eventually.within(SETTLE, () -> assertThat(server.watches().watcherCount()).isZero());
        }
        stillServes(server);
        settles(before, 0, 0);
    }

    // ------------------------------------------------------------------ helpers

    /**
     * Puts {@code count} values under {@code prefix} from four threads, each put with a 10 s deadline;
     * returns the slowest put in milliseconds. Fails if any put fails.
     */
    private static long writeAll(ManagedChannel channel, String prefix, byte[] value, int count) throws Exception {
        AtomicLong slowest = new AtomicLong();
        AtomicLong next = new AtomicLong();
        ExecutorService writers = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int w = 0; w < 4; w++) {
                done.add(writers.submit(() -> {
                    PutRequest.Builder put = PutRequest.newBuilder().setValue(com.google.protobuf.ByteString.copyFrom(value));
                    for (long i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
                        long t0 = System.nanoTime();
                        KVGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                                .put(put.setKey(b(prefix + (i % 100))).build());
                        slowest.accumulateAndGet((System.nanoTime() - t0) / 1_000_000, Math::max);
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(5, TimeUnit.MINUTES);
            }
        } finally {
            writers.shutdownNow();
        }
        return slowest.get();
    }

    static String prefixEnd(String prefix) {
        return prefix.substring(0, prefix.length() - 1) + (char) (prefix.charAt(prefix.length() - 1) + 1);
    }

    private static void put(RawClient client, String key) {
        client.kv().put(PutRequest.newBuilder().setKey(b("abuse/" + key)).setValue(b("v")).build());
    }

    /** A new connection gets a put answered within 5 s. */
    private static void stillServes(TernServer server) {
        try (RawClient fresh = new RawClient(server)) {
            KVGrpc.newBlockingStub(fresh.channel).withDeadlineAfter(5, TimeUnit.SECONDS)
                    .put(PutRequest.newBuilder().setKey(b("abuse/fresh")).setValue(b("v")).build());
        }
    }

    /**
     * Within {@link #SETTLE}, virtual threads and descriptors come back to {@code before} plus what open
     * connections still hold ({@code threads}, {@code fds}) plus {@link #SLACK}; platform threads to
     * {@code before} plus {@link #SLACK}.
     */
    private static void settles(Resources before, int threads, int fds) throws Exception {
        try {
            Eventually.within(SETTLE, () -> {
                Resources now = Resources.now();
                String what = "before: " + before + "; now: " + now;
                assertThat(now.platformThreads()).as(what).isLessThanOrEqualTo(before.platformThreads() + SLACK);
                assertThat(now.virtualThreads()).as(what).isLessThanOrEqualTo(before.virtualThreads() + threads + SLACK);
                assertThat(now.fds()).as(what).isLessThanOrEqualTo(before.fds() + fds + SLACK);
            });
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\nwhere threads wait now:" + Resources.places(dir), e);
        }
    }

    /** A future that fails the test if it is not done in 10 s. */
    static <T> T await(CompletableFuture<T> f, String what) throws Exception {
        try {
            return f.get(10, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("no " + what + " within 10 s", e);
        }
    }
}
