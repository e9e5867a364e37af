package io.tern.server.bench;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.tern.api.proto.etcdserverpb.KVGrpc;
import io.tern.api.proto.etcdserverpb.LeaseGrantRequest;
import io.tern.api.proto.etcdserverpb.LeaseGrantResponse;
import io.tern.api.proto.etcdserverpb.LeaseGrpc;
import io.tern.api.proto.etcdserverpb.PutRequest;
import io.tern.api.proto.etcdserverpb.PutResponse;
import io.tern.api.proto.etcdserverpb.RangeRequest;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Lease expiry storm, against any etcd-compatible endpoint, in two steps so that the server can be
 * restarted in between (a restart re-arms every lease at once: the storm etcd users meet after a leader
 * change, etcd #9360):
 * <ul>
 *   <li>{@code setup host:port leases ttl}: grants the leases as fast as the server takes them and
 *   attaches one key ({@code storm/NNNNNNNN}) to each;</li>
 *   <li>{@code storm host:port}: measures sequential put latency while nothing expires, then waits for
 *   the first key to go and, while a writer keeps putting, for the last: the expiry rate is the number of
 *   keys over that time, and the put latencies during it show whether writes stalled.</li>
 * </ul>
 * Prints one summary line per step.
 */
public final class LeaseStorm {
    private static final int IN_FLIGHT = 512;
    private static final ByteString FROM = ByteString.copyFromUtf8("storm/");
    private static final ByteString TO = ByteString.copyFromUtf8("storm0");

    public static void main(String[] args) throws Exception {
        String[] hp = args[1].split(":");
        ManagedChannel ch = ManagedChannelBuilder.forAddress(hp[0], Integer.parseInt(hp[1])).usePlaintext().build();
        ManagedChannel writerCh = ManagedChannelBuilder.forAddress(hp[0], Integer.parseInt(hp[1])).usePlaintext().build();
        try {
            switch (args[0]) {
                case "setup" -> setup(ch, Integer.parseInt(args[2]), Long.parseLong(args[3]));
                case "storm" -> storm(ch, writerCh);
                default -> throw new IllegalArgumentException("usage: LeaseStorm setup|storm host:port [leases ttl]");
            }
        } finally {
            ch.shutdownNow();
            writerCh.shutdownNow();
        }
    }

    private static void setup(ManagedChannel ch, int leases, long ttl) throws Exception {
        long start = System.nanoTime();
        Semaphore window = new Semaphore(IN_FLIGHT);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        var lease = LeaseGrpc.newStub(ch);
        var kvAsync = KVGrpc.newStub(ch);
        for (int i = 0; i < leases && failure.get() == null; i++) {
            window.acquire();
            ByteString key = ByteString.copyFromUtf8(String.format("storm/%08d", i));
            lease.leaseGrant(LeaseGrantRequest.newBuilder().setTTL(ttl).build(), new Observer<>(failure, window) {
                @Override
                public void onNext(LeaseGrantResponse g) {
                    kvAsync.put(PutRequest.newBuilder().setKey(key).setValue(ByteString.copyFromUtf8("v"))
                            .setLease(g.getID()).build(), new Observer<PutResponse>(failure, window));
                }

                @Override
                public void onCompleted() {
                    // the put's completion releases the window
                }
            });
        }
        window.acquire(IN_FLIGHT);
        if (failure.get() != null) {
            throw new IllegalStateException("setup failed", failure.get());
        }
        System.out.printf("setup: %d leases of %d s with one key each in %.1f s%n", count(ch), ttl,
                (System.nanoTime() - start) / 1e9);
    }

    private static void storm(ManagedChannel ch, ManagedChannel writerCh) throws Exception {
        long total = count(ch);
        puts(writerCh, 3000, "storm-writer/base", new ArrayList<>()); // JIT warm-up, not recorded
        List<Double> baseline = new ArrayList<>();
        puts(writerCh, 2000, "storm-writer/base", baseline);
        while (count(ch) == total) {
            Thread.sleep(20);
        }
        long first = System.nanoTime();
        List<Double> during = Collections.synchronizedList(new ArrayList<>());
        Thread writer = Thread.ofPlatform().start(() -> puts(writerCh, Integer.MAX_VALUE, "storm-writer/storm", during));
        while (count(ch) > 0) {
            Thread.sleep(20);
        }
        long gone = System.nanoTime();
        writer.interrupt();
        writer.join();
        double seconds = (gone - first) / 1e9;
        System.out.printf("storm: %d leases expired in %.2f s = %.0f/s; sequential put before p50 %.2f ms p99 %.2f ms, "
                        + "during p50 %.2f ms p99 %.2f ms max %.1f ms (%d puts)%n",
                total, seconds, total / seconds, pct(baseline, 50), pct(baseline, 99),
                pct(during, 50), pct(during, 99), pct(during, 100), during.size());
    }

    private static long count(ManagedChannel ch) {
        return KVGrpc.newBlockingStub(ch).withDeadlineAfter(30, TimeUnit.SECONDS).range(RangeRequest.newBuilder()
                .setKey(FROM).setRangeEnd(TO).setCountOnly(true).setSerializable(true).build()).getCount();
    }

    /** Sequential puts, {@code n} of them or until interrupted; latencies in ms go to {@code out}. */
    private static void puts(ManagedChannel ch, int n, String key, List<Double> out) {
        var kv = KVGrpc.newBlockingStub(ch);
        PutRequest put = PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(key))
                .setValue(ByteString.copyFromUtf8("x".repeat(256))).build();
        for (int i = 0; i < n && !Thread.currentThread().isInterrupted(); i++) {
            long t = System.nanoTime();
            try {
                kv.withDeadlineAfter(30, TimeUnit.SECONDS).put(put);
            } catch (io.grpc.StatusRuntimeException e) {
                if (Thread.currentThread().isInterrupted()) {
                    return;
                }
                throw e;
            }
            out.add((System.nanoTime() - t) / 1e6);
        }
    }

    private static double pct(List<Double> xs, int p) {
        if (xs.isEmpty()) {
            return Double.NaN;
        }
        List<Double> s = new ArrayList<>(xs);
        Collections.sort(s);
        int i = (int) Math.ceil(p / 100.0 * s.size()) - 1;
        return s.get(Math.max(0, Math.min(s.size() - 1, i)));
    }

    private static class Observer<T> implements StreamObserver<T> {
        private final AtomicReference<Throwable> failure;
        private final Semaphore window;

        Observer(AtomicReference<Throwable> failure, Semaphore window) {
            this.failure = failure;
            this.window = window;
        }

        @Override
        public void onNext(T value) {
        }

        @Override
        public void onError(Throwable t) {
            failure.compareAndSet(null, t);
            window.release();
        }

        @Override
        public void onCompleted() {
            window.release();
        }
    }
}
