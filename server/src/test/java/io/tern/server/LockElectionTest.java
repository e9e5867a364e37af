package io.tern.server;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Election;
import io.etcd.jetcd.election.LeaderKey;
import io.etcd.jetcd.election.LeaderResponse;
import io.etcd.jetcd.election.NoLeaderException;
import io.etcd.jetcd.election.NotLeaderException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tern.api.proto.v3lockpb.LockRequest;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static io.tern.server.TernHarness.bs;
import static io.tern.server.TernHarness.str;
import static io.tern.server.WatchProbe.b;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The server-side Lock and Election services through jetcd, on every engine. */
class LockElectionTest extends PerEngineTest {
    @ParameterizedTest
    @MethodSource("engines")
    void lockIsExclusiveAndHandsOverOnUnlock(String engine) throws Exception {
        Client c = servers.client(engine);
        long l1 = c.getLeaseClient().grant(60).get().getID();
        long l2 = c.getLeaseClient().grant(60).get().getID();
        var first = c.getLockClient().lock(bs("mtx"), l1).get(10, TimeUnit.SECONDS);
        assertThat(str(first.getKey())).isEqualTo("mtx/" + Long.toHexString(l1));
        CompletableFuture<io.etcd.jetcd.lock.LockResponse> second = c.getLockClient().lock(bs("mtx"), l2);
        Thread.sleep(500);
        assertThat(second).isNotDone();
        // The same lease re-enters at once.
        assertThat(c.getLockClient().lock(bs("mtx"), l1).get(10, TimeUnit.SECONDS).getKey()).isEqualTo(first.getKey());
        c.getLockClient().unlock(first.getKey()).get();
        assertThat(str(second.get(10, TimeUnit.SECONDS).getKey())).isEqualTo("mtx/" + Long.toHexString(l2));
    }

    @ParameterizedTest
    @MethodSource("engines")
    void lockPassesOnWhenTheHolderLeaseIsRevoked(String engine) throws Exception {
        Client c = servers.client(engine);
        long l1 = c.getLeaseClient().grant(60).get().getID();
        long l2 = c.getLeaseClient().grant(60).get().getID();
        c.getLockClient().lock(bs("mtx2"), l1).get(10, TimeUnit.SECONDS);
        var second = c.getLockClient().lock(bs("mtx2"), l2);
        Thread.sleep(300);
        assertThat(second).isNotDone();
        c.getLeaseClient().revoke(l1).get();
        assertThat(second.get(10, TimeUnit.SECONDS).getKey()).isNotNull();
    }

    /** A waiter that goes away (its connection drops) gives up its place, as etcd's server does. */
    @ParameterizedTest
    @MethodSource("engines")
    void aWaiterThatDisconnectsLeavesTheQueue(String engine) throws Exception {
        Client c = servers.client(engine);
        long holder = c.getLeaseClient().grant(60).get().getID();
        long waiter = c.getLeaseClient().grant(60).get().getID();
        c.getLockClient().lock(bs("mtx3"), holder).get(10, TimeUnit.SECONDS);
        RawClient rc = new RawClient(servers.server(engine));
        io.tern.api.proto.v3lockpb.LockGrpc.newStub(rc.channel).lock(
                LockRequest.newBuilder().setName(b("mtx3")).setLease(waiter).build(), new io.grpc.stub.StreamObserver<>() {
                    public void onNext(io.tern.api.proto.v3lockpb.LockResponse r) {
                    }

                    public void onError(Throwable t) {
                    }

                    public void onCompleted() {
                    }
                });
        ByteSequence waiterKey = bs("mtx3/" + Long.toHexString(waiter));
        Eventually.within(Duration.ofSeconds(10),
                () -> assertThat(c.getKVClient().get(waiterKey).get().getKvs()).hasSize(1));
        rc.channel.shutdownNow();
        Eventually.within(Duration.ofSeconds(10),
                () -> assertThat(c.getKVClient().get(waiterKey).get().getKvs()).isEmpty());
    }

    @ParameterizedTest
    @MethodSource("engines")
    void lockWithUnknownLeaseFailsAsEtcd(String engine) {
        try (RawClient rc = new RawClient(servers.server(engine))) {
            assertThatThrownBy(() -> rc.lock().lock(LockRequest.newBuilder().setName(b("bad")).setLease(123_456).build()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNKNOWN);
                        assertThat(e.getStatus().getDescription()).isEqualTo("etcdserver: requested lease not found");
                    });
        }
    }

    @ParameterizedTest
    @MethodSource("engines")
    void electionCampaignProclaimObserveResign(String engine) throws Exception {
        Client c = servers.client(engine);
        Election e = c.getElectionClient();
        ByteSequence name = bs("elect-" + engine);
        assertThatThrownBy(() -> e.leader(name).get()).hasCauseInstanceOf(NoLeaderException.class);

        List<String> observed = new CopyOnWriteArrayList<>();
        e.observe(name, new Election.Listener() {
            public void onNext(LeaderResponse r) {
                observed.add(str(r.getKv().getValue()));
            }

            public void onError(Throwable t) {
            }

            public void onCompleted() {
            }
        });
        long l1 = c.getLeaseClient().grant(60).get().getID();
        long l2 = c.getLeaseClient().grant(60).get().getID();
        LeaderKey alice = e.campaign(name, l1, bs("alice")).get(10, TimeUnit.SECONDS).getLeader();
        assertThat(str(e.leader(name).get().getKv().getValue())).isEqualTo("alice");
        var bob = e.campaign(name, l2, bs("bob"));
        Thread.sleep(300);
        assertThat(bob).isNotDone();
        e.proclaim(alice, bs("alice-2")).get();
        e.resign(alice).get();
        LeaderKey bobKey = bob.get(10, TimeUnit.SECONDS).getLeader();
        assertThat(bobKey.getLease()).isEqualTo(l2);
        assertThatThrownBy(() -> e.proclaim(alice, bs("stale")).get()).hasCauseInstanceOf(NotLeaderException.class);
        Eventually.within(Duration.ofSeconds(10),
                () -> assertThat(observed).containsExactly("alice", "alice-2", "bob"));
    }

}
