package io.tern.server.robust;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import io.tern.api.proto.etcdserverpb.CompactionRequest;
import io.tern.api.proto.etcdserverpb.Compare;
import io.tern.api.proto.etcdserverpb.KVGrpc;
import io.tern.api.proto.etcdserverpb.LeaseGrantRequest;
import io.tern.api.proto.etcdserverpb.LeaseGrpc;
import io.tern.api.proto.etcdserverpb.LeaseKeepAliveRequest;
import io.tern.api.proto.etcdserverpb.LeaseKeepAliveResponse;
import io.tern.api.proto.etcdserverpb.LeaseRevokeRequest;
import io.tern.api.proto.etcdserverpb.PutRequest;
import io.tern.api.proto.etcdserverpb.RangeRequest;
import io.tern.api.proto.etcdserverpb.RangeResponse;
import io.tern.api.proto.etcdserverpb.RequestOp;
import io.tern.api.proto.etcdserverpb.TxnRequest;
import io.tern.api.proto.etcdserverpb.WatchCreateRequest;
import io.tern.api.proto.etcdserverpb.WatchGrpc;
import io.tern.api.proto.etcdserverpb.WatchRequest;
import io.tern.api.proto.etcdserverpb.WatchResponse;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * A mixed workload for long runs against any etcd-compatible endpoint, at a fixed, moderate rate so that
 * what grows over time is the server's doing and not a backlog:
 * <ul>
 *   <li>puts of 256-byte values over 10,000 keys (200/s), ranges of 50 of them, single gets and counts (100/s);</li>
 *   <li>compare-and-set transactions on 10 counters (50/s), the counters' sum checked at the end against the
 *   successes;</li>
 *   <li>8 watchers of the put prefix that read everything, one replaced every 5 s, their revisions checked to
 *   rise; every 30 s a connection opens 20 more watchers and drops;</li>
 *   <li>leases of 2 to 5 s, 5/s, each with a key: most expire, one in five is kept alive for a while first,
 *   one in ten is revoked; the keys still attached are counted every 10 s and must stay under a bound that
 *   only leases that fail to expire can pass;</li>
 *   <li>a compaction every 60 s to 1,000 revisions back, as a real client keeps history bounded.</li>
 * </ul>
 * {@code Soak host:port minutes} prints a line of counts every 10 s and exits with 1 if any request failed or
 * any check did not hold.
 */
public final class Soak {
    private static final ByteString KV = ByteString.copyFromUtf8("soak/kv/");
    private static final ByteString KV_END = ByteString.copyFromUtf8("soak/kv0");
    private static final ByteString LEASED = ByteString.copyFromUtf8("soak/lease/");
    private static final ByteString LEASED_END = ByteString.copyFromUtf8("soak/lease0");
    private static final int WATCHERS = 8;
    /** Keys of expiring leases that may be alive at once: 5/s for at most 5 s, kept alive ones for 10 s more. */
    private static final long LEASED_KEYS_BOUND = 150;

    private final ManagedChannel channel;
    private final String host;
    private final int port;
    private final long end;
    private final LongAdder puts = new LongAdder();
    private final LongAdder ranges = new LongAdder();
    private final LongAdder casWon = new LongAdder();
    private final LongAdder casLost = new LongAdder();
    private final LongAdder events = new LongAdder();
    private final LongAdder watchersOpened = new LongAdder();
    private final LongAdder leases = new LongAdder();
    private final LongAdder compactions = new LongAdder();
    private final AtomicLong leasedKeysMax = new AtomicLong();
    private final AtomicLong lastRevision = new AtomicLong();
    private final LongAdder failures = new LongAdder();
    /** Set once the run is over: calls failing because the channel closes under them are not failures. */
    private volatile boolean stopping;

    private Soak(String host, int port, long minutes) {
        this.host = host;
        this.port = port;
        this.channel = connect();
        this.end = System.nanoTime() + TimeUnit.MINUTES.toNanos(minutes);
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            throw new IllegalArgumentException("usage: Soak host:port minutes");
        }
        String[] hp = args[0].split(":");
        Soak soak = new Soak(hp[0], Integer.parseInt(hp[1]), Long.parseLong(args[1]));
        System.exit(soak.run() ? 0 : 1);
    }

    private boolean run() throws Exception {
        List<Thread> workers = new ArrayList<>();
        workers.add(paced("puts-1", 100, this::put));
        workers.add(paced("puts-2", 100, this::put));
        workers.add(paced("ranges", 100, this::range));
        workers.add(paced("txns", 50, this::compareAndSet));
        workers.add(paced("leases", 5, this::lease));
        workers.add(paced("leased-keys", 0.1, this::countLeasedKeys));
        workers.add(paced("compaction", 1.0 / 60, this::compact));
        workers.add(paced("watch-burst", 1.0 / 30, this::watchBurst));
        Thread watchers = Thread.ofPlatform().name("watchers").start(this::watchers);
        long started = System.nanoTime();
        while (System.nanoTime() < end) {
            Thread.sleep(Math.min(10_000, Math.max(1, (end - System.nanoTime()) / 1_000_000)));
            System.out.printf("%4d s: puts %d, ranges %d, txns %d won / %d lost, watch events %d, watchers opened %d, "
                            + "leases %d (attached keys at most %d), compactions %d, failures %d%n",
                    (System.nanoTime() - started) / 1_000_000_000, puts.sum(), ranges.sum(), casWon.sum(),
                    casLost.sum(), events.sum(), watchersOpened.sum(), leases.sum(), leasedKeysMax.get(),
                    compactions.sum(), failures.sum());
        }
        for (Thread t : workers) {
            t.join();
        }
        watchers.join();
        boolean ok = failures.sum() == 0;
        long counted = counterSum();
        if (counted != casWon.sum()) {
            System.out.printf("FAIL: counters sum to %d, but %d compare-and-sets succeeded%n", counted, casWon.sum());
            ok = false;
        }
        if (leasedKeysMax.get() > LEASED_KEYS_BOUND) {
            System.out.printf("FAIL: up to %d keys of expiring leases at once (bound %d)%n",
                    leasedKeysMax.get(), LEASED_KEYS_BOUND);
            ok = false;
        }
        stopping = true;
        channel.shutdownNow();
        System.out.println(ok ? "soak workload: OK" : "soak workload: FAILED");
        return ok;
    }

    /** A platform thread that calls {@code step} {@code perSecond} times a second until the end. */
    private Thread paced(String name, double perSecond, Step step) {
        long period = (long) (1e9 / perSecond);
        return Thread.ofPlatform().name(name).start(() -> {
            long next = System.nanoTime();
            while (next < end) {
                try {
                    step.run();
                } catch (Exception e) {
                    fail(name, e);
                }
                next += period;
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    try {
                        TimeUnit.NANOSECONDS.sleep(Math.min(wait, Math.max(0, end - System.nanoTime())));
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
        });
    }

    private interface Step {
        void run() throws Exception;
    }

    private KVGrpc.KVBlockingStub kv() {
        return KVGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    private void put() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        byte[] value = new byte[256];
        r.nextBytes(value);
        long rev = kv().put(PutRequest.newBuilder().setKey(KV.concat(ByteString.copyFromUtf8(
                Integer.toString(r.nextInt(10_000))))).setValue(ByteString.copyFrom(value)).build())
                .getHeader().getRevision();
        lastRevision.accumulateAndGet(rev, Math::max);
        puts.increment();
    }

    private void range() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        RangeRequest.Builder q = switch (r.nextInt(3)) {
            case 0 -> RangeRequest.newBuilder().setKey(KV.concat(ByteString.copyFromUtf8(Integer.toString(r.nextInt(10_000)))))
                    .setRangeEnd(KV_END).setLimit(50);
            case 1 -> RangeRequest.newBuilder().setKey(KV.concat(ByteString.copyFromUtf8(Integer.toString(r.nextInt(10_000)))));
            default -> RangeRequest.newBuilder().setKey(KV).setRangeEnd(KV_END).setCountOnly(true);
        };
        kv().range(q.build());
        ranges.increment();
    }

    /** Reads a counter and writes it plus one if nobody wrote it in between. */
    private void compareAndSet() {
        ByteString key = ByteString.copyFromUtf8("soak/cas/" + ThreadLocalRandom.current().nextInt(10));
        RangeResponse now = kv().range(RangeRequest.newBuilder().setKey(key).build());
        long value = now.getKvsCount() == 0 ? 0 : Long.parseLong(now.getKvs(0).getValue().toStringUtf8());
        long modRevision = now.getKvsCount() == 0 ? 0 : now.getKvs(0).getModRevision();
        boolean won = kv().txn(TxnRequest.newBuilder()
                .addCompare(Compare.newBuilder().setKey(key).setTarget(Compare.CompareTarget.MOD)
                        .setResult(Compare.CompareResult.EQUAL).setModRevision(modRevision))
                .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(key)
                        .setValue(ByteString.copyFromUtf8(Long.toString(value + 1)))))
                .addFailure(RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(key)))
                .build()).getSucceeded();
        (won ? casWon : casLost).increment();
    }

    private long counterSum() {
        long sum = 0;
        for (var kv : kv().range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("soak/cas/"))
                .setRangeEnd(ByteString.copyFromUtf8("soak/cas0")).build()).getKvsList()) {
            sum += Long.parseLong(kv.getValue().toStringUtf8());
        }
        return sum;
    }

    /**
     * Grants a lease of 2 to 5 s and attaches a key to it; one in five is kept alive twice a second for
     * 5 s on its own stream first, one in ten is revoked at once, the rest expire.
     */
    private void lease() throws Exception {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        var lease = LeaseGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
        long id = lease.leaseGrant(LeaseGrantRequest.newBuilder().setTTL(2 + r.nextInt(4)).build()).getID();
        kv().put(PutRequest.newBuilder().setKey(LEASED.concat(ByteString.copyFromUtf8(Long.toHexString(id))))
                .setValue(ByteString.copyFromUtf8("v")).setLease(id).build());
        leases.increment();
        int kind = r.nextInt(10);
        if (kind == 0) {
            LeaseGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .leaseRevoke(LeaseRevokeRequest.newBuilder().setID(id).build());
        } else if (kind <= 2) {
            Thread.ofVirtual().start(() -> keepAliveFor(id, 10));
        }
    }

    private void keepAliveFor(long id, int times) {
        StreamObserver<LeaseKeepAliveRequest> requests = LeaseGrpc.newStub(channel).leaseKeepAlive(new StreamObserver<>() {
            @Override
            public void onNext(LeaseKeepAliveResponse r) {
                if (r.getTTL() <= 0) {
                    fail("keep-alive", new IllegalStateException("lease " + id + " gone while kept alive"));
                }
            }

            @Override
            public void onError(Throwable t) {
                fail("keep-alive", t);
            }

            @Override
            public void onCompleted() {
            }
        });
        try {
            for (int i = 0; i < times; i++) {
                requests.onNext(LeaseKeepAliveRequest.newBuilder().setID(id).build());
                Thread.sleep(500);
            }
            requests.onCompleted();
        } catch (InterruptedException e) {
            requests.onError(e);
        }
    }

    private void countLeasedKeys() {
        long n = kv().range(RangeRequest.newBuilder().setKey(LEASED).setRangeEnd(LEASED_END).setCountOnly(true).build())
                .getCount();
        leasedKeysMax.accumulateAndGet(n, Math::max);
    }

    private void compact() {
        long rev = lastRevision.get() - 1000;
        if (rev > 0) {
            kv().compact(CompactionRequest.newBuilder().setRevision(rev).build());
            compactions.increment();
        }
    }

    /** {@link #WATCHERS} watchers on one connection; every 5 s one is cancelled and a new one takes its place. */
    private void watchers() {
        List<ClientCallStreamObserver<WatchRequest>> open = new ArrayList<>();
        Random r = new Random();
        try {
            while (System.nanoTime() < end) {
                while (open.size() < WATCHERS) {
                    open.add(watch(channel, true));
                }
                Thread.sleep(5000);
                open.remove(r.nextInt(open.size())).cancel("replaced", null);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            open.forEach(w -> w.cancel("done", null));
        }
    }

    /** A connection of its own that opens 20 watchers, waits for them all to be created and drops. */
    private void watchBurst() throws Exception {
        ManagedChannel burst = connect();
        try {
            for (int i = 0; i < 20; i++) {
                watch(burst, false);
            }
            Thread.sleep(1000);
        } finally {
            burst.shutdownNow();
        }
    }

    /**
     * Opens a watcher of the put prefix from now; with {@code check}, every failure but the cancel of a
     * dropped connection counts, and the events' revisions must rise.
     */
    private ClientCallStreamObserver<WatchRequest> watch(ManagedChannel on, boolean check) {
        watchersOpened.increment();
        ClientCallStreamObserver<WatchRequest>[] call = new ClientCallStreamObserver[1];
        WatchGrpc.newStub(on).watch(new ClientResponseObserver<WatchRequest, WatchResponse>() {
            private long last;

            @Override
            public void beforeStart(ClientCallStreamObserver<WatchRequest> s) {
                call[0] = s;
            }

            @Override
            public void onNext(WatchResponse r) {
                if (r.getCanceled() && check) {
                    fail("watcher", new IllegalStateException("watcher cancelled by the server: " + r));
                }
                for (var e : r.getEventsList()) {
                    long rev = e.getKv().getModRevision();
                    if (rev <= last && check) {
                        fail("watcher", new IllegalStateException("event at revision " + rev + " after " + last));
                    }
                    last = rev;
                    events.increment();
                }
            }

            @Override
            public void onError(Throwable t) {
                if (check && io.grpc.Status.fromThrowable(t).getCode() != io.grpc.Status.Code.CANCELLED) {
                    fail("watcher", t);
                }
            }

            @Override
            public void onCompleted() {
            }
        });
        call[0].onNext(WatchRequest.newBuilder().setCreateRequest(
                WatchCreateRequest.newBuilder().setKey(KV).setRangeEnd(KV_END)).build());
        return call[0];
    }

    private ManagedChannel connect() {
        return ManagedChannelBuilder.forAddress(host, port).usePlaintext().build();
    }

    private void fail(String what, Throwable t) {
        if (stopping) {
            return;
        }
        failures.increment();
        if (failures.sum() <= 20) {
            System.err.println("soak: " + what + " failed: " + t);
        }
    }
}
