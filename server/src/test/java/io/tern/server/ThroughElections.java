package io.tern.server;

import io.etcd.jetcd.common.exception.ErrorCode;
import io.etcd.jetcd.common.exception.EtcdException;
import io.grpc.Status;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Calls to a cluster that an election may refuse, sent again as etcd's users do. On a busy host a member can
 * miss heartbeats at any time, and a write in flight then fails with {@code etcdserver: leader changed} or
 * {@code etcdserver: no leader} (UNAVAILABLE); jetcd sends no put, txn or cluster call again by itself, and
 * etcdctl none. A test that is not about elections sends such calls through here, so that one election does
 * not fail it; any other failure, or refusals for longer than {@link #LIMIT}, still does.
 */
public final class ThroughElections {
    /** How long calls are sent again while refused as unavailable: several elections' worth. */
    public static final Duration LIMIT = Duration.ofSeconds(30);
    private static final String[] ETCDCTL_TRANSIENT = {"leader changed", "no leader", "request timed out",
            "Unavailable"};

    public interface Call<T> {
        T call() throws Exception;
    }

    private ThroughElections() {
    }

    /** Runs {@code call}, again while it fails as UNAVAILABLE, for up to {@link #LIMIT}. */
    public static <T> T retry(Call<T> call) throws Exception {
        long deadline = System.nanoTime() + LIMIT.toNanos();
        while (true) {
            try {
                return call.call();
            } catch (Exception e) {
                if (!unavailable(e) || System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(200);
            }
        }
    }

    /** A jetcd call: {@code call} starts it, its result is awaited for 10 s, and it is sent again as by {@link #retry}. */
    public static <T> T await(Supplier<CompletableFuture<T>> call) throws Exception {
        return retry(() -> call.get().get(10, TimeUnit.SECONDS));
    }

    /**
     * The real etcdctl, run again while it fails with an election's error, for up to {@link #LIMIT}; the last
     * run's result is returned whatever it is.
     */
    static ClusterHarness.Result etcdctl(String endpoints, String... args) throws Exception {
        long deadline = System.nanoTime() + LIMIT.toNanos();
        while (true) {
            ClusterHarness.Result r = ClusterHarness.etcdctl(endpoints, args);
            if (r.exit() == 0 || System.nanoTime() > deadline || !electionError(r.output())) {
                return r;
            }
            Thread.sleep(200);
        }
    }

    /** True when {@code e}, or a cause of it, is a gRPC status UNAVAILABLE (jetcd's own exception included). */
    static boolean unavailable(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof EtcdException etcd && etcd.getErrorCode() == ErrorCode.UNAVAILABLE
                    || Status.fromThrowable(c).getCode() == Status.Code.UNAVAILABLE) {
                return true;
            }
        }
        return false;
    }

    private static boolean electionError(String output) {
        for (String s : ETCDCTL_TRANSIENT) {
            if (output.contains(s)) {
                return true;
            }
        }
        return false;
    }
}
