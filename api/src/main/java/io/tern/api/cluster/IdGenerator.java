package io.tern.api.cluster;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Request-scoped 64-bit ids unique across members without coordination, laid out as etcd's: the low 16
 * bits of the member id, then a 48-bit counter seeded from the start time in milliseconds shifted left
 * by 8 (so ids from a restarted member start past the old ones, at up to 256 ids per millisecond).
 */
public final class IdGenerator {
    private static final int COUNTER_BITS = 48;
    private static final long COUNTER_MASK = (1L << COUNTER_BITS) - 1;

    private final long prefix;
    private final AtomicLong counter;

    public IdGenerator(long memberId, long startMillis) {
        this.prefix = memberId << COUNTER_BITS;
        this.counter = new AtomicLong((startMillis << 8) & COUNTER_MASK);
    }

    public long next() {
        return prefix | (counter.incrementAndGet() & COUNTER_MASK);
    }
}
