package io.tern.api.lease;

/**
 * Lease rules that follow from configuration.
 *
 * @param minTtlSeconds a shorter requested TTL is raised to this: etcd's 1.5 election timeouts, rounded up
 * @param maxTtlSeconds a longer requested TTL is refused (etcd's {@code MaxLeaseTTL})
 * @param expiryBatch   most leases one expiry proposal revokes
 */
public record LeaseLimits(long minTtlSeconds, long maxTtlSeconds, int expiryBatch) {
    /** etcd's {@code MaxLeaseTTL}: 9,000,000,000 seconds. */
    public static final long MAX_LEASE_TTL = 9_000_000_000L;
    /**
     * Leases per expiry proposal: small enough that applying one (a few milliseconds) barely delays the
     * writes queued behind it, large enough that the log is not flooded with one entry per lease.
     */
    public static final int EXPIRY_BATCH = 32;

    public LeaseLimits {
        if (minTtlSeconds < 1 || maxTtlSeconds < minTtlSeconds || expiryBatch < 1) {
            throw new IllegalArgumentException("bad lease limits: min " + minTtlSeconds + " s, max "
                    + maxTtlSeconds + " s, expiry batch " + expiryBatch);
        }
    }

    /** etcd's defaults for an election timeout: min TTL = ceil(1.5 × timeout). */
    public static LeaseLimits forElectionTimeout(java.time.Duration electionTimeout) {
        long millis = electionTimeout.toMillis() * 3 / 2;
        return new LeaseLimits(Math.max(1, (millis + 999) / 1000), MAX_LEASE_TTL, EXPIRY_BATCH);
    }
}
