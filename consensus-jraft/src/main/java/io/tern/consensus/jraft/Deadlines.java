package io.tern.consensus.jraft;

import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Fails the futures still pending a fixed time after they were bound, from one periodic sweep.
 *
 * <p>{@link CompletableFuture#orTimeout} schedules (and cancels) a timer task per future, which at thousands
 * of requests a second costs more than the requests' own consensus work. Every future here gets the same
 * timeout, so binding order is deadline order and the sweep only looks at the head of a queue. A deadline is
 * met up to one sweep interval late.
 */
final class Deadlines implements AutoCloseable {
    private record Bound(long deadlineNanos, CompletableFuture<?> future) {
    }

    private final long timeoutNanos;
    private final Supplier<? extends Throwable> failure;
    private final Queue<Bound> pending = new ConcurrentLinkedQueue<>();
    private final ScheduledFuture<?> sweeping;

    /**
     * @param timeoutMillis how long a bound future may stay pending
     * @param failure       what a future still pending then fails with
     * @param intervalMillis how often the sweep runs on {@code timer}
     */
    Deadlines(long timeoutMillis, Supplier<? extends Throwable> failure, ScheduledExecutorService timer,
              long intervalMillis) {
        this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        this.failure = failure;
        this.sweeping = timer.scheduleWithFixedDelay(this::sweep, intervalMillis, intervalMillis, TimeUnit.MILLISECONDS);
    }

    /** Returns {@code future}, which fails with the configured failure if it is still pending at its deadline. */
    <T> CompletableFuture<T> bind(CompletableFuture<T> future) {
        if (!future.isDone()) {
            pending.add(new Bound(System.nanoTime() + timeoutNanos, future));
        }
        return future;
    }

    /** Futures bound and not yet swept away (for tests). */
    int pending() {
        return pending.size();
    }

    void sweep() {
        long now = System.nanoTime();
        for (Bound b = pending.peek(); b != null; b = pending.peek()) {
            boolean done = b.future().isDone();
            if (!done && b.deadlineNanos() - now > 0) {
                return;
            }
            pending.poll();
            if (!done) {
                b.future().completeExceptionally(failure.get());
            }
        }
    }

    @Override
    public void close() {
        sweeping.cancel(false);
    }
}
