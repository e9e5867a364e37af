package io.tern.server;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.etcd.jetcd.Client;
import io.tern.api.proto.etcdserverpb.AuthStatusRequest;
import io.tern.api.proto.etcdserverpb.AuthUserListRequest;
import io.tern.api.proto.etcdserverpb.AuthGrpc;
import io.tern.api.proto.etcdserverpb.ClusterGrpc;
import io.tern.api.proto.etcdserverpb.KVGrpc;
import io.tern.api.proto.etcdserverpb.LeaseGrpc;
import io.tern.api.proto.etcdserverpb.LeaseLeasesRequest;
import io.tern.api.proto.etcdserverpb.LeaseTimeToLiveRequest;
import io.tern.api.proto.etcdserverpb.MemberListRequest;
import io.tern.api.proto.etcdserverpb.PutRequest;
import io.tern.api.proto.etcdserverpb.PutResponse;
import io.tern.api.proto.etcdserverpb.RangeRequest;
import io.tern.api.proto.etcdserverpb.RangeResponse;
import io.tern.api.proto.etcdserverpb.TxnRequest;
import io.tern.api.proto.etcdserverpb.WatchResponse;
import io.tern.api.proto.v3electionpb.ElectionGrpc;
import io.tern.api.proto.v3electionpb.LeaderRequest;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;

import static io.tern.server.TernHarness.bs;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * etcd's HTTP/JSON gateway on the client port, on each engine, through a real HTTP client: each read
 * path answers exactly what the same gRPC call answers (the JSON parsed back and compared field by
 * field), writes take effect, errors come as etcd's gateway error bodies with grpc-gateway's HTTP
 * status, the token travels in the Authorization header, and a watch streams its responses.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GatewayTest {
    private final Map<String, TernServer> servers = new HashMap<>();
    private final Map<String, ManagedChannel> channels = new HashMap<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** A read path: its JSON request, and the same request over gRPC. */
    record Read(String path, String json, Function<ManagedChannel, Message> grpc) {
        @Override
        public String toString() {
            return path + " " + json;
        }
    }

    static List<Read> reads() {
        ByteString foo = ByteString.copyFromUtf8("gw/foo");
        return List.of(
                new Read("/v3/kv/range", "{\"key\":\"Z3cvZm9v\"}",
                        c -> KVGrpc.newBlockingStub(c).range(RangeRequest.newBuilder().setKey(foo).build())),
                new Read("/v3/kv/range", "{\"key\":\"Z3cv\",\"range_end\":\"Z3cw\",\"sort_order\":\"DESCEND\",\"limit\":\"1\"}",
                        c -> KVGrpc.newBlockingStub(c).range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("gw/"))
                                .setRangeEnd(ByteString.copyFromUtf8("gw0")).setSortOrder(RangeRequest.SortOrder.DESCEND)
                                .setLimit(1).build())),
                new Read("/v3/kv/range", "{\"key\":\"Z3cvZm9v\",\"count_only\":true}",
                        c -> KVGrpc.newBlockingStub(c).range(RangeRequest.newBuilder().setKey(foo).setCountOnly(true).build())),
                new Read("/v3/kv/txn", "{\"compare\":[{\"target\":\"VALUE\",\"key\":\"Z3cvZm9v\",\"value\":\"YmFy\"}],"
                        + "\"success\":[{\"request_range\":{\"key\":\"Z3cvZm9v\"}}]}",
                        c -> KVGrpc.newBlockingStub(c).txn(TxnRequest.newBuilder().addCompare(
                                io.tern.api.proto.etcdserverpb.Compare.newBuilder().setTarget(
                                        io.tern.api.proto.etcdserverpb.Compare.CompareTarget.VALUE).setKey(foo)
                                        .setValue(ByteString.copyFromUtf8("bar"))).addSuccess(
                                io.tern.api.proto.etcdserverpb.RequestOp.newBuilder().setRequestRange(
                                        RangeRequest.newBuilder().setKey(foo))).build())),
                new Read("/v3/cluster/member/list", "{}",
                        c -> ClusterGrpc.newBlockingStub(c).memberList(MemberListRequest.getDefaultInstance())),
                new Read("/v3/lease/leases", "{}",
                        c -> LeaseGrpc.newBlockingStub(c).leaseLeases(LeaseLeasesRequest.getDefaultInstance())),
                new Read("/v3/kv/lease/leases", "{}",
                        c -> LeaseGrpc.newBlockingStub(c).leaseLeases(LeaseLeasesRequest.getDefaultInstance())),
                new Read("/v3/lease/timetolive", "{\"ID\":\"12345\"}",
                        c -> LeaseGrpc.newBlockingStub(c).leaseTimeToLive(LeaseTimeToLiveRequest.newBuilder().setID(12345).build())),
                new Read("/v3/auth/status", "{}",
                        c -> AuthGrpc.newBlockingStub(c).authStatus(AuthStatusRequest.getDefaultInstance())),
                new Read("/v3/auth/user/list", "",
                        c -> AuthGrpc.newBlockingStub(c).userList(AuthUserListRequest.getDefaultInstance())),
                new Read("/v3/election/leader", "{\"name\":\"bm9uZQ==\"}", c -> {
                    try {
                        return ElectionGrpc.newBlockingStub(c).leader(LeaderRequest.newBuilder()
                                .setName(ByteString.copyFromUtf8("none")).build());
                    } catch (io.grpc.StatusRuntimeException e) {
                        return null; // compared as an error below
                    }
                }));
    }

    Stream<Arguments> enginesAndReads() {
        return TernHarness.engines().flatMap(e -> reads().stream().map(r -> Arguments.of(e, r)));
    }

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        for (String engine : TernHarness.ENGINES) {
            TernServer s = TernServer.start(config(dir.resolve(engine), engine));
            servers.put(engine, s);
            channels.put(engine, ManagedChannelBuilder.forAddress("127.0.0.1", s.clientPort(0)).usePlaintext().build());
            try (Client c = TernHarness.client(s)) {
                c.getKVClient().put(bs("gw/foo"), bs("bar")).get();
                c.getKVClient().put(bs("gw/zoo"), bs("zzz")).get();
            }
        }
    }

    private static io.tern.server.config.ServerConfig config(Path dir, String engine) {
        return io.tern.server.config.ServerConfig.singleNode("default", dir, 0, TernHarness.freePort(), engine);
    }

    @AfterAll
    void stop() {
        channels.values().forEach(ManagedChannel::shutdownNow);
        servers.values().forEach(TernServer::close);
    }

    private HttpResponse<String> post(String engine, String path, String body, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + servers.get(engine).clientPort(0) + path))
                .timeout(Duration.ofSeconds(20)).POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("enginesAndReads")
    void readsAnswerWhatGrpcAnswers(String engine, Read read) throws Exception {
        Message grpc = read.grpc().apply(channels.get(engine));
        HttpResponse<String> res = post(engine, read.path(), read.json(), null);
        if (grpc == null) {
            assertThat(res.statusCode()).isNotEqualTo(200);
            return;
        }
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        assertThat(res.headers().firstValue("content-type")).hasValue("application/json");
        Message.Builder parsed = grpc.newBuilderForType();
        JsonFormat.parser().merge(res.body(), parsed);
        assertThat(parsed.build()).isEqualTo(grpc);
        // etcd's gateway prints proto field names, 64-bit integers as strings, and no default values.
        if (grpc instanceof RangeResponse r && r.getKvsCount() > 0) {
            assertThat(res.body()).contains("\"create_revision\":\"").contains("\"key\":\"Z3cv").doesNotContain("\"lease\"");
        }
    }

    /** The seed's example: a base64 put, then a range that returns it. */
    @ParameterizedTest
    @MethodSource("io.tern.server.TernHarness#engines")
    void putThenRangeAsEtcdsDocsShow(String engine) throws Exception {
        HttpResponse<String> put = post(engine, "/v3/kv/put", "{\"key\": \"Zm9v\", \"value\": \"YmFy\"}", null);
        assertThat(put.statusCode()).isEqualTo(200);
        PutResponse.Builder p = PutResponse.newBuilder();
        JsonFormat.parser().merge(put.body(), p);
        HttpResponse<String> range = post(engine, "/v3/kv/range", "{\"key\": \"Zm9v\"}", null);
        RangeResponse.Builder r = RangeResponse.newBuilder();
        JsonFormat.parser().merge(range.body(), r);
        assertThat(r.getKvs(0).getValue().toStringUtf8()).isEqualTo("bar");
        assertThat(r.getKvs(0).getModRevision()).isEqualTo(p.getHeader().getRevision());
        assertThat(range.body()).contains("\"value\":\"YmFy\"");
    }

    /** Failures: etcd's gateway error body, grpc-gateway's HTTP status. */
    record Failure(String path, String json, int status, String body) {
        @Override
        public String toString() {
            return path + " " + json;
        }
    }

    static List<Failure> failures() {
        return List.of(
                new Failure("/v3/kv/put", "{\"key\":\"\"}", 400,
                        "{\"error\":\"etcdserver: key is not provided\",\"code\":3,\"message\":\"etcdserver: key is not provided\"}"),
                new Failure("/v3/kv/put", "{\"key\":\"eA==\",\"bogus\":1}", 400,
                        "{\"error\":\"unknown field \\\"bogus\\\" in etcdserverpb.PutRequest\",\"code\":3,"
                                + "\"message\":\"unknown field \\\"bogus\\\" in etcdserverpb.PutRequest\"}"),
                new Failure("/v3/kv/range", "{\"key\":\"eA==\",\"revision\":\"100000\"}", 400,
                        "{\"error\":\"etcdserver: mvcc: required revision is a future revision\",\"code\":11,"
                                + "\"message\":\"etcdserver: mvcc: required revision is a future revision\"}"),
                new Failure("/v3/lease/revoke", "{\"ID\":\"42\"}", 404,
                        "{\"error\":\"etcdserver: requested lease not found\",\"code\":5,\"message\":\"etcdserver: requested lease not found\"}"),
                new Failure("/v3/auth/authenticate", "{\"name\":\"x\",\"password\":\"y\"}", 400,
                        "{\"error\":\"etcdserver: authentication is not enabled\",\"code\":9,"
                                + "\"message\":\"etcdserver: authentication is not enabled\"}"));
    }

    Stream<Arguments> enginesAndFailures() {
        return TernHarness.engines().flatMap(e -> failures().stream().map(f -> Arguments.of(e, f)));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("enginesAndFailures")
    void failuresAreEtcdsGatewayErrors(String engine, Failure f) throws Exception {
        HttpResponse<String> res = post(engine, f.path(), f.json(), null);
        assertThat(res.statusCode()).isEqualTo(f.status());
        assertThat(res.body()).isEqualTo(f.body());
    }

    /** A watch streams one {@code {"result": ...}} line per response: created, then the events. */
    @ParameterizedTest
    @MethodSource("io.tern.server.TernHarness#engines")
    void watchStreamsResults(String engine) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + servers.get(engine).clientPort(0) + "/v3/watch"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"create_request\":{\"key\":\"Z3cvdw==\"}}")).build();
        HttpResponse<Stream<String>> res = http.sendAsync(req, HttpResponse.BodyHandlers.ofLines()).get(10, TimeUnit.SECONDS);
        Iterator<String> lines = res.body().iterator();
        WatchResponse created = result(lines.next());
        assertThat(created.getCreated()).isTrue();
        try (Client c = TernHarness.client(servers.get(engine))) {
            c.getKVClient().put(bs("gw/w"), bs("1")).get();
        }
        WatchResponse event = result(lines.next());
        assertThat(event.getWatchId()).isEqualTo(created.getWatchId());
        assertThat(event.getEvents(0).getKv().getValue().toStringUtf8()).isEqualTo("1");
        res.body().close();
    }

    /**
     * A snapshot streams its messages as result lines, checksum last: their blobs joined are the same file
     * the gRPC stream gives (etcdctl snapshot save), and it checks out.
     */
    @ParameterizedTest
    @MethodSource("io.tern.server.TernHarness#engines")
    void snapshotStreamsTheSameCopyAsGrpc(String engine) throws Exception {
        // The member writes in the background now and then (its own records): compare copies taken
        // back to back until two agree.
        Eventually.within(Duration.ofSeconds(20), () -> {
            byte[] viaHttp = httpSnapshot(engine);
            java.io.ByteArrayOutputStream viaGrpc = new java.io.ByteArrayOutputStream();
            try (Client c = TernHarness.client(servers.get(engine))) {
                c.getMaintenanceClient().snapshot(viaGrpc).get(30, TimeUnit.SECONDS);
            }
            assertThat(viaHttp).isEqualTo(viaGrpc.toByteArray());
            var summary = io.tern.api.mvcc.KvSnapshot.inspect(new java.io.ByteArrayInputStream(viaHttp), true);
            assertThat(summary.entries()).isPositive();
        });
    }

    private byte[] httpSnapshot(String engine) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + servers.get(engine).clientPort(0)
                + "/v3/maintenance/snapshot")).POST(HttpRequest.BodyPublishers.ofString("{}")).build();
        java.io.ByteArrayOutputStream viaHttp = new java.io.ByteArrayOutputStream();
        List<String> lines = http.send(req, HttpResponse.BodyHandlers.ofLines()).body().toList();
        assertThat(lines.size()).isGreaterThanOrEqualTo(2);
        long lastRemaining = Long.MAX_VALUE;
        for (String line : lines) {
            assertThat(line).startsWith("{\"result\":");
            io.tern.api.proto.etcdserverpb.SnapshotResponse.Builder b = io.tern.api.proto.etcdserverpb.SnapshotResponse.newBuilder();
            JsonFormat.parser().merge(line.substring("{\"result\":".length(), line.length() - 1), b);
            assertThat(b.getRemainingBytes()).isLessThanOrEqualTo(lastRemaining);
            lastRemaining = b.getRemainingBytes();
            viaHttp.writeBytes(b.getBlob().toByteArray());
        }
        assertThat(lastRemaining).isZero();
        return viaHttp.toByteArray();
    }

    /** Observe streams the leader, then each value it proclaims, as result lines. */
    @ParameterizedTest
    @MethodSource("io.tern.server.TernHarness#engines")
    void observeStreamsTheLeader(String engine) throws Exception {
        try (Client c = TernHarness.client(servers.get(engine))) {
            long lease = c.getLeaseClient().grant(60).get(10, TimeUnit.SECONDS).getID();
            var leader = c.getElectionClient().campaign(bs("gw-obs"), lease, bs("first")).get(10, TimeUnit.SECONDS)
                    .getLeader();
            HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + servers.get(engine).clientPort(0)
                    + "/v3/election/observe")).POST(HttpRequest.BodyPublishers.ofString("{\"name\":\""
                    + java.util.Base64.getEncoder().encodeToString("gw-obs".getBytes(java.nio.charset.StandardCharsets.UTF_8))
                    + "\"}")).build();
            HttpResponse<Stream<String>> res = http.sendAsync(req, HttpResponse.BodyHandlers.ofLines()).get(10, TimeUnit.SECONDS);
            Iterator<String> lines = res.body().iterator();
            assertThat(leaderValue(lines.next())).isEqualTo("first");
            c.getElectionClient().proclaim(leader, bs("second")).get(10, TimeUnit.SECONDS);
            assertThat(leaderValue(lines.next())).isEqualTo("second");
            res.body().close();
            c.getLeaseClient().revoke(lease).get(10, TimeUnit.SECONDS);
        }
    }

    private static String leaderValue(String line) throws Exception {
        assertThat(line).startsWith("{\"result\":");
        io.tern.api.proto.v3electionpb.LeaderResponse.Builder b = io.tern.api.proto.v3electionpb.LeaderResponse.newBuilder();
        JsonFormat.parser().merge(line.substring("{\"result\":".length(), line.length() - 1), b);
        return b.getKv().getValue().toStringUtf8();
    }

    private static WatchResponse result(String line) throws Exception {
        assertThat(line).startsWith("{\"result\":");
        WatchResponse.Builder b = WatchResponse.newBuilder();
        JsonFormat.parser().merge(line.substring("{\"result\":".length(), line.length() - 1), b);
        return b.build();
    }

    /** With auth on, the token goes in the Authorization header; rights apply as over gRPC. */
    @ParameterizedTest
    @MethodSource("io.tern.server.TernHarness#engines")
    void theTokenTravelsInTheAuthorizationHeader(String engine, @TempDir Path dir) throws Exception {
        try (TernServer s = TernServer.start(config(dir, engine).withAuth(
                new io.tern.server.config.ServerConfig.Auth(Duration.ofMinutes(5), 4, io.tern.server.config.AuthToken.SIMPLE)))) {
            try (Client admin = TernHarness.client(s)) {
                TernHarness.enableAuthWithAlice(admin.getAuthClient());
            }
            servers.put("auth", s);
            try {
                HttpResponse<String> login = post("auth", "/v3/auth/authenticate", "{\"name\":\"alice\",\"password\":\"alicepw\"}", null);
                assertThat(login.statusCode()).isEqualTo(200);
                String token = login.body().replaceAll(".*\"token\":\"([^\"]+)\".*", "$1");
                assertThat(post("auth", "/v3/kv/put", "{\"key\":\"YS8x\",\"value\":\"eA==\"}", token).statusCode()).isEqualTo(200);
                HttpResponse<String> denied = post("auth", "/v3/kv/put", "{\"key\":\"Yi8x\",\"value\":\"eA==\"}", token);
                assertThat(denied.statusCode()).isEqualTo(403);
                assertThat(denied.body()).contains("\"error\":\"etcdserver: permission denied\",\"code\":7");
                HttpResponse<String> none = post("auth", "/v3/kv/range", "{\"key\":\"YS8x\"}", null);
                assertThat(none.body()).contains("etcdserver: user name is empty");
                HttpResponse<String> bogus = post("auth", "/v3/kv/range", "{\"key\":\"YS8x\"}", "bogus.1");
                assertThat(bogus.statusCode()).isEqualTo(401);
                assertThat(bogus.body()).contains("etcdserver: invalid auth token");
            } finally {
                servers.remove("auth");
            }
        }
    }
}
