package io.tern.server.metrics;

import io.prometheus.metrics.core.metrics.Histogram;

/**
 * etcd's two disk latency histograms, fed as the work happens: durable log appends (etcd's WAL fsync) and
 * the storage engine's commits to its files (MVStore's chunk writes, RocksDB's write-ahead log appends, and
 * each sync of either). Made before the consensus engine and the storage engine, which report into it;
 * {@link EtcdMetrics} exposes it.
 * Buckets are etcd's: 1 ms doubling up to about 8 s.
 */
public final class DiskTimings {
    private static final double NANOS_PER_SECOND = 1e9;

    final Histogram walFsync = Histogram.builder().name("etcd_disk_wal_fsync_duration_seconds")
            .help("The latency distributions of fsync called by WAL.")
            .classicExponentialUpperBounds(0.001, 2, 14).classicOnly().build();
    final Histogram backendCommit = Histogram.builder().name("etcd_disk_backend_commit_duration_seconds")
            .help("The latency distributions of commit called by backend.")
            .classicExponentialUpperBounds(0.001, 2, 14).classicOnly().build();

    /** One durable append to the consensus log took {@code nanos}. */
    public void walFsync(long nanos) {
        walFsync.observe(nanos / NANOS_PER_SECOND);
    }

    /** One storage commit took {@code nanos}. */
    public void backendCommit(long nanos) {
        backendCommit.observe(nanos / NANOS_PER_SECOND);
    }
}
