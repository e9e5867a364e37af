package io.tern.api.lease;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The leader's expiry loop: whenever leases are due, proposes their revocation one batch at a time,
 * waiting for each batch to apply before the next, so an expiry storm shares the log with client writes
 * instead of flooding it. Runs on one daemon thread; does nothing on a member that is not primary.
 */
public final class LeaseExpiry implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(LeaseExpiry.class.getName());
    /** Longest sleep between checks; also how soon a newly granted short lease is noticed. */
    private static final long MAX_IDLE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private final LeaseService leases;
    private final Duration proposalTimeout;
    private final Thread thread;
    private volatile boolean closed;

    public LeaseExpiry(LeaseService leases, Duration proposalTimeout) {
        this.leases = leases;
        this.proposalTimeout = proposalTimeout;
        this.thread = new Thread(this::run, "tern-lease-expiry");
        this.thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    private void run() {
        while (!closed) {
            try {
                long wait = Math.min(MAX_IDLE_NANOS, leases.lessor().nanosUntilNextExpiry(MAX_IDLE_NANOS));
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                while (!closed && leases.expireDue().get(proposalTimeout.toMillis(), TimeUnit.MILLISECONDS) > 0) {
                    // keep going while batches come back full of work
                }
            } catch (InterruptedException e) {
                return;
            } catch (ExecutionException | TimeoutException e) {
                // The leases involved are due again; the next round retries them.
                LOG.log(System.Logger.Level.WARNING, "lease expiry proposal failed: {0}",
                        e instanceof ExecutionException ? e.getCause().toString() : "timed out");
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "lease expiry round failed", e);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
