package io.tern.server;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.options.LeaseOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.support.CloseableClient;
import io.etcd.jetcd.watch.WatchEvent;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.tern.api.proto.etcdserverpb.LeaseGrantRequest;
import io.tern.api.proto.etcdserverpb.LeaseGrpc;
import io.tern.api.proto.etcdserverpb.LeaseKeepAliveRequest;
import io.tern.api.proto.etcdserverpb.LeaseRevokeRequest;
import io.tern.api.proto.etcdserverpb.LeaseTimeToLiveRequest;
import io.tern.api.proto.etcdserverpb.PutRequest;
import io.tern.api.proto.etcdserverpb.RangeRequest;
import io.tern.server.config.ServerConfig;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static io.tern.server.TernHarness.bs;
import static io.tern.server.WatchProbe.b;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** etcd's Lease API through jetcd and raw gRPC, on every engine. */
class LeaseTest extends PerEngineTest {
    record Refusal(String name, LeaseGrantRequest request, Status.Code code, String message) {
        @Override
        public String toString() {
            return name;
        }
    }

    List<Object[]> refusals() {
        List<Refusal> cases = List.of(
                new Refusal("TTL above MaxLeaseTTL", LeaseGrantRequest.newBuilder().setTTL(9_000_000_001L).build(),
                        Status.Code.OUT_OF_RANGE, "etcdserver: too large lease TTL"),
                new Refusal("ID taken", LeaseGrantRequest.newBuilder().setID(4242).setTTL(30).build(),
                        Status.Code.FAILED_PRECONDITION, "etcdserver: lease already exists"));
        List<Object[]> out = new java.util.ArrayList<>();
        for (String e : TernHarness.ENGINES) {
            for (Refusal r : cases) {
                out.add(new Object[] {e, r});
            }
        }
        return out;
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("refusals")
    void grantRefusals(String engine, Refusal c) {
        RawClient rc = servers.raw(engine);
        try {
            rc.lease().leaseGrant(LeaseGrantRequest.newBuilder().setID(4242).setTTL(30).build());
        } catch (StatusRuntimeException alreadyThere) {
            // granted by an earlier case
        }
        assertThatThrownBy(() -> rc.lease().leaseGrant(c.request()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(c.code());
                    assertThat(e.getStatus().getDescription()).isEqualTo(c.message());
                });
    }

    @ParameterizedTest
    @MethodSource("engines")
    void grantGeneratesIdsAndRaisesShortTtls(String engine) throws Exception {
        Client c = servers.client(engine);
        var g = c.getLeaseClient().grant(1).get();
        assertThat(g.getID()).isPositive();
        assertThat(g.getTTL()).isEqualTo(2); // etcd's minimum with a 1 s election timeout
        var chosen = servers.raw(engine).lease().leaseGrant(LeaseGrantRequest.newBuilder().setID(77).setTTL(60).build());
        assertThat(chosen.getID()).isEqualTo(77);
        assertThat(chosen.getTTL()).isEqualTo(60);
        var ttl = c.getLeaseClient().timeToLive(77, LeaseOption.DEFAULT).get();
        assertThat(ttl.getGrantedTTL()).isEqualTo(60);
        assertThat(ttl.getTTL()).isBetween(58L, 60L);
        assertThat(servers.raw(engine).lease().leaseLeases(io.tern.api.proto.etcdserverpb.LeaseLeasesRequest.getDefaultInstance())
                .getLeasesList()).extracting(l -> l.getID()).contains(77L, g.getID());
    }

    @ParameterizedTest
    @MethodSource("engines")
    void keysFollowTheirLease(String engine) throws Exception {
        Client c = servers.client(engine);
        RawClient rc = servers.raw(engine);
        long a = c.getLeaseClient().grant(60).get().getID();
        long b = c.getLeaseClient().grant(60).get().getID();
        c.getKVClient().put(bs("lk/1"), bs("v"), PutOption.builder().withLeaseId(a).build()).get();
        c.getKVClient().put(bs("lk/2"), bs("v"), PutOption.builder().withLeaseId(a).build()).get();
        c.getKVClient().put(bs("lk/3"), bs("v"), PutOption.builder().withLeaseId(a).build()).get();
        // lk/3 moves to b; lk/2 keeps a through ignore_lease.
        c.getKVClient().put(bs("lk/3"), bs("w"), PutOption.builder().withLeaseId(b).build()).get();
        rc.kv().put(PutRequest.newBuilder().setKey(b("lk/2")).setValue(b("w")).setIgnoreLease(true).build());
        var keysA = c.getLeaseClient().timeToLive(a, LeaseOption.builder().withAttachedKeys().build()).get().getKeys();
        assertThat(keysA).extracting(TernHarness::str).containsExactly("lk/1", "lk/2");

        long rev = c.getLeaseClient().revoke(a).get().getHeader().getRevision();
        var left = c.getKVClient().get(bs("lk/"), io.etcd.jetcd.options.GetOption.builder().isPrefix(true).build()).get();
        assertThat(left.getKvs()).extracting(kv -> TernHarness.str(kv.getKey())).containsExactly("lk/3");
        assertThat(left.getKvs().get(0).getLease()).isEqualTo(b);
        // Both keys went in one revision.
        var before = rc.kv().range(RangeRequest.newBuilder().setKey(b("lk/1")).setRevision(rev - 1).build());
        assertThat(before.getKvsCount()).isEqualTo(1);
        assertThat(c.getLeaseClient().timeToLive(a, LeaseOption.DEFAULT).get().getTTL()).isEqualTo(-1);
    }

    @ParameterizedTest
    @MethodSource("engines")
    void unknownLeases(String engine) throws Exception {
        RawClient rc = servers.raw(engine);
        assertThatThrownBy(() -> rc.kv().put(PutRequest.newBuilder().setKey(b("nl")).setValue(b("v")).setLease(999_999).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
                    assertThat(e.getStatus().getDescription()).isEqualTo("etcdserver: requested lease not found");
                });
        assertThatThrownBy(() -> rc.lease().leaseRevoke(LeaseRevokeRequest.newBuilder().setID(999_999).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getDescription()).isEqualTo("etcdserver: requested lease not found"));
        assertThat(rc.lease().leaseTimeToLive(LeaseTimeToLiveRequest.newBuilder().setID(999_999).build()).getTTL())
                .isEqualTo(-1);
        // A keep-alive for an unknown lease answers TTL 0 and the stream stays usable.
        BlockingQueue<io.tern.api.proto.etcdserverpb.LeaseKeepAliveResponse> got = new LinkedBlockingQueue<>();
        StreamObserver<LeaseKeepAliveRequest> ka = LeaseGrpc.newStub(rc.channel).leaseKeepAlive(new StreamObserver<>() {
            public void onNext(io.tern.api.proto.etcdserverpb.LeaseKeepAliveResponse r) {
                got.add(r);
            }

            public void onError(Throwable t) {
            }

            public void onCompleted() {
            }
        });
        long live = rc.lease().leaseGrant(LeaseGrantRequest.newBuilder().setTTL(30).build()).getID();
        ka.onNext(LeaseKeepAliveRequest.newBuilder().setID(999_999).build());
        ka.onNext(LeaseKeepAliveRequest.newBuilder().setID(live).build());
        var r1 = got.poll(10, TimeUnit.SECONDS);
        var r2 = got.poll(10, TimeUnit.SECONDS);
        assertThat(r1.getID()).isEqualTo(999_999);
        assertThat(r1.getTTL()).isZero();
        assertThat(r2.getID()).isEqualTo(live);
        assertThat(r2.getTTL()).isEqualTo(30);
        ka.onCompleted();
    }

    @ParameterizedTest
    @MethodSource("engines")
    void expiryDeletesKeysAsWatchersSee(String engine) throws Exception {
        Client c = servers.client(engine);
        long id = c.getLeaseClient().grant(2).get().getID();
        c.getKVClient().put(bs("exp/a"), bs("v"), PutOption.builder().withLeaseId(id).build()).get();
        long rev = c.getKVClient().put(bs("exp/b"), bs("v"), PutOption.builder().withLeaseId(id).build()).get()
                .getHeader().getRevision();
        List<WatchEvent> events = new CopyOnWriteArrayList<>();
        try (Watch.Watcher w = c.getWatchClient().watch(bs("exp/"), io.etcd.jetcd.options.WatchOption.builder()
                .isPrefix(true).withRevision(rev + 1).build(), r -> events.addAll(r.getEvents()))) {
            Eventually.within(Duration.ofSeconds(10), () -> assertThat(events).hasSize(2));
        }
        assertThat(events).allSatisfy(e -> assertThat(e.getEventType()).isEqualTo(WatchEvent.EventType.DELETE));
        assertThat(events.get(0).getKeyValue().getModRevision()).isEqualTo(events.get(1).getKeyValue().getModRevision());
        assertThat(c.getLeaseClient().timeToLive(id, LeaseOption.DEFAULT).get().getTTL()).isEqualTo(-1);
    }

    @ParameterizedTest
    @MethodSource("engines")
    void keepAliveHoldsALeaseAndStopsCleanly(String engine) throws Exception {
        Client c = servers.client(engine);
        long id = c.getLeaseClient().grant(2).get().getID();
        c.getKVClient().put(bs("ka/a"), bs("v"), PutOption.builder().withLeaseId(id).build()).get();
        BlockingQueue<LeaseKeepAliveResponse> got = new LinkedBlockingQueue<>();
        BlockingQueue<Throwable> errors = new LinkedBlockingQueue<>();
        CloseableClient ka = c.getLeaseClient().keepAlive(id, new StreamObserver<>() {
            public void onNext(LeaseKeepAliveResponse r) {
                got.add(r);
            }

            public void onError(Throwable t) {
                errors.add(t);
            }

            public void onCompleted() {
            }
        });
        Thread.sleep(4000); // twice the TTL: only the keep-alives keep it
        assertThat(c.getKVClient().get(bs("ka/a")).get().getKvs()).hasSize(1);
        assertThat(got.poll(1, TimeUnit.SECONDS).getTTL()).isEqualTo(2);
        ka.close();
        assertThat(errors).isEmpty();
        Eventually.within(Duration.ofSeconds(10),
                () -> assertThat(c.getKVClient().get(bs("ka/a")).get().getKvs()).isEmpty());
    }

    /** A lease outlives a restart with its full TTL again (etcd's rule), and still expires afterwards. */
    @ParameterizedTest
    @MethodSource("engines")
    void leasesSurviveRestart(String engine, @TempDir Path own) throws Exception {
        ServerConfig config = ServerConfig.singleNode("default", own, 0, TernHarness.freePort(), engine);
        long id;
        try (TernServer s = TernServer.start(config); Client c = TernHarness.client(s)) {
            id = c.getLeaseClient().grant(3).get().getID();
            c.getKVClient().put(bs("rl"), bs("v"), PutOption.builder().withLeaseId(id).build()).get();
        }
        try (TernServer s = TernServer.start(config); Client c = TernHarness.client(s)) {
            var ttl = c.getLeaseClient().timeToLive(id, LeaseOption.builder().withAttachedKeys().build()).get();
            assertThat(ttl.getGrantedTTL()).isEqualTo(3);
            assertThat(ttl.getKeys()).extracting(TernHarness::str).containsExactly("rl");
            Eventually.within(Duration.ofSeconds(15),
                    () -> assertThat(c.getKVClient().get(bs("rl")).get().getKvs()).isEmpty());
        }
    }

}
