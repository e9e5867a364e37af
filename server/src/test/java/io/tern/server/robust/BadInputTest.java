package io.tern.server.robust;

import com.google.protobuf.ByteString;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.tern.api.proto.etcdserverpb.CompactionRequest;
import io.tern.api.proto.etcdserverpb.KVGrpc;
import io.tern.api.proto.etcdserverpb.PutRequest;
import io.tern.api.proto.etcdserverpb.RangeRequest;
import io.tern.api.proto.etcdserverpb.WatchGrpc;
import io.tern.server.EngineServers;
import io.tern.server.TernHarness;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Malformed and boundary requests on every RPC ({@link BadRequests}, seeded): each gets etcd's gRPC code
 * and message within a deadline, and after every batch a second client still puts and reads a key.
 * The short form runs {@value #SHORT_CASES} cases per engine with seed {@value #SHORT_SEED}; for a long
 * form, {@code -Dtern.badinput.cases=N -Dtern.badinput.seed=S}. {@code -Dtern.badinput.etcd=host:port}
 * runs the same cases against a real etcd instead (started with default flags), which is how the
 * expected answers were checked.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputTest {
    static final int SHORT_CASES = 300;
    static final long SHORT_SEED = 7;
    private static final int BATCH = 25;
    private static final String ETCD = System.getProperty("tern.badinput.etcd");

    private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    private EngineServers servers;
    private final Map<String, ManagedChannel> channels = new LinkedHashMap<>();

    @BeforeAll
    void start(@TempDir Path dir) {
        if (ETCD == null) {
            servers = new EngineServers(dir);
        }
    }

    @AfterAll
    void stop() {
        channels.values().forEach(ManagedChannel::shutdownNow);
        if (servers != null) {
            servers.close();
        }
    }

    Stream<String> targets() {
        return ETCD == null ? TernHarness.engines() : Stream.of("etcd");
    }

    /** A new connection to the target: the bad requests and the healthy client never share one. */
    private ManagedChannel connect(String target) {
        String address = ETCD != null ? ETCD : "127.0.0.1:" + servers.server(target).clientPort(0);
        ManagedChannel c = ManagedChannelBuilder.forTarget(address).usePlaintext()
                .maxInboundMessageSize(64 << 20).build();
        channels.put(target + channels.size(), c);
        return c;
    }

    @ParameterizedTest
    @MethodSource("targets")
    void everyBadRequestGetsEtcdsAnswerAndTheServerKeepsServing(String target) {
        ManagedChannel bad = connect(target);
        ManagedChannel healthy = connect(target);
        KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(healthy);
        long compacted = 0;
        for (int i = 0; i < 20; i++) {
            long rev = kv.withDeadlineAfter(10, TimeUnit.SECONDS).put(PutRequest.newBuilder()
                    .setKey(ByteString.copyFromUtf8("setup/" + i)).build()).getHeader().getRevision();
            compacted = i == 9 ? rev : compacted;
        }
        kv.withDeadlineAfter(10, TimeUnit.SECONDS).compact(CompactionRequest.newBuilder().setRevision(compacted).build());
        long current = kv.withDeadlineAfter(10, TimeUnit.SECONDS).range(RangeRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8("setup/0")).build()).getHeader().getRevision();

        int cases = Integer.getInteger("tern.badinput.cases", SHORT_CASES);
        long seed = Long.getLong("tern.badinput.seed", SHORT_SEED);
        BadRequests generator = new BadRequests(seed, compacted, current);
        List<String> wrong = new ArrayList<>();
        for (int i = 1; i <= cases; i++) {
            BadRequest r = generator.next();
            if (ETCD != null && r.expect().ternOwn()) {
                continue;
            }
            Status answer = send(bad, r);
            if (answer.getCode() != r.expect().code()
                    || (r.expect().message() != null && !r.expect().message().equals(answer.getDescription()))) {
                wrong.add("#" + i + " " + r + "\n    got " + answer.getCode() + " \"" + answer.getDescription() + "\""
                        + (r.bytes().length < 64 ? " for " + HexFormat.of().formatHex(r.bytes()) : ""));
            }
            if (i % BATCH == 0 || i == cases) {
                stillServes(kv, i);
            }
        }
        assertThat(wrong).as("requests not answered as etcd answers them (seed %d)", seed).isEmpty();
    }

    /** Sends one request message, half-closes, and returns OK on a first response or the call's status. */
    static Status send(ManagedChannel channel, BadRequest r) {
        @SuppressWarnings("unchecked")
        MethodDescriptor<Object, Object> typed = (MethodDescriptor<Object, Object>) r.method();
        MethodDescriptor<byte[], byte[]> raw = typed.toBuilder(BYTES, BYTES).build();
        ClientCall<byte[], byte[]> call = channel.newCall(raw, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS));
        CompletableFuture<Status> first = new CompletableFuture<>();
        call.start(new ClientCall.Listener<>() {
            @Override
            public void onMessage(byte[] message) {
                first.complete(Status.OK);
            }

            @Override
            public void onClose(Status status, Metadata trailers) {
                first.complete(status);
            }
        }, new Metadata());
        call.request(1);
        call.sendMessage(r.bytes());
        call.halfClose();
        try {
            return first.get(20, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("no answer, not even the deadline's, to " + r, e);
        } finally {
            call.cancel("answered", null);
        }
    }

    /** The other client's put and read of a fresh key both answer within the deadline. */
    private static void stillServes(KVGrpc.KVBlockingStub kv, int i) {
        ByteString key = ByteString.copyFromUtf8("alive/" + i);
        kv.withDeadlineAfter(10, TimeUnit.SECONDS).put(PutRequest.newBuilder().setKey(key).setValue(key).build());
        assertThat(kv.withDeadlineAfter(10, TimeUnit.SECONDS).range(RangeRequest.newBuilder().setKey(key).build())
                .getKvs(0).getValue()).as("the healthy client's read after %d bad requests", i).isEqualTo(key);
    }

    /** The regressions, each named after what it broke: the bytes, the method and etcd's answer. */
    record Regression(String name, MethodDescriptor<?, ?> method, String hex, Status.Code code, String message) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Regression> regressions() {
        return Stream.of(
                // Helidon logged the parse failure and dropped the call: the client waited out its deadline.
                new Regression("undecodableRequestIsAnsweredNotLeftHanging", KVGrpc.getRangeMethod(), "0a0561",
                        Status.Code.INTERNAL, "grpc: error unmarshalling request: unexpected EOF"),
                new Regression("undecodableStreamMessageEndsTheStreamNotLeftHanging", WatchGrpc.getWatchMethod(), "00",
                        Status.Code.INTERNAL,
                        "grpc: failed to unmarshal the received message proto: WatchRequest: illegal tag 0 (wire type 0)"),
                // protobuf-java keeps a known field of the wrong wire type as an unknown field: the put went
                // through with an empty key's error instead of etcd's refusal.
                new Regression("knownFieldOfTheWrongWireTypeIsRefusedAsEtcdRefusesIt", KVGrpc.getPutMethod(), "0801",
                        Status.Code.INTERNAL, "grpc: error unmarshalling request: proto: wrong wireType = 0 for field Key"));
    }

    Stream<Object[]> regressionTargets() {
        return targets().flatMap(t -> regressions().map(r -> new Object[] {t, r}));
    }

    @ParameterizedTest(name = "{1} on {0}")
    @MethodSource("regressionTargets")
    void regression(String target, Regression r) {
        ManagedChannel channel = connect(target);
        Status answer = send(channel, new BadRequest(r.name(), r.method(), HexFormat.of().parseHex(r.hex()),
                BadRequest.Expect.error(r.code(), r.message())));
        assertThat(answer.getCode()).as(r.name()).isEqualTo(r.code());
        assertThat(answer.getDescription()).as(r.name()).isEqualTo(r.message());
        stillServes(KVGrpc.newBlockingStub(connect(target)), 0);
    }
}
