package io.tern.api.kv;

/**
 * Request limits, etcd's flags.
 *
 * @param maxRequestBytes {@code --max-request-bytes}: largest encoded write request (1.5 MiB)
 * @param maxTxnOps       {@code --max-txn-ops}: most operations in one txn list (128)
 */
public record KvLimits(int maxRequestBytes, int maxTxnOps) {
    public KvLimits {
        if (maxRequestBytes <= 0 || maxTxnOps <= 0) {
            throw new IllegalArgumentException("limits must be positive: " + maxRequestBytes + ", " + maxTxnOps);
        }
    }
}
