package io.tern.api.cluster;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Request-scoped 64-bit ids unique across members without coordination, laid out as etcd's: the low 16
 * bits of the member id, then a 48-bit counter seeded from the start time in milliseconds shifted left
 * by 8 (so ids from a restarted member start past the old ones, at up to 256 ids per millisecond).
 * The member id is read per id: a joining member learns it after it starts.
 */
public final class IdGenerator {
    private static final int COUNTER_BITS = 48;
    private static final long COUNTER_MASK = (1L << COUNTER_BITS) - 1;

    private final LongSupplier memberId;
    private final AtomicLong counter;

    public IdGenerator(LongSupplier memberId, long startMillis) {
        this.memberId = memberId;
        this.counter = new AtomicLong((startMillis << 8) & COUNTER_MASK);
    }

    public long next() {
        return (memberId.getAsLong() << COUNTER_BITS) | (counter.incrementAndGet() & COUNTER_MASK);
    }
}
