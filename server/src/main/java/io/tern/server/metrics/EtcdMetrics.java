package io.tern.server.metrics;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tern.api.apply.Proposer;
import io.tern.api.mvcc.KvStore;
import io.tern.api.watch.WatchHub;
import io.tern.spi.consensus.ConsensusEngine;
import io.tern.spi.storage.StorageStats;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.Supplier;

/**
 * One member's metrics under etcd's names, so that etcd's dashboards and alerts read them unchanged.
 * Most are read when scraped from what the member already tracks (consensus status, proposals, store
 * size, watchers); gRPC calls are counted as they happen ({@link GrpcMetrics}); the JVM and process
 * metrics ({@code process_resident_memory_bytes} among them) come from the client library's own.
 */
public final class EtcdMetrics {
    private final PrometheusRegistry registry = new PrometheusRegistry();
    /**
     * Gauges whose etcd names end in {@code _total}, which the client library reserves for counters: they
     * are written after the library's output, in the same text format.
     */
    private final java.util.Map<String, TotalNamedGauge> totalNamedGauges = new java.util.LinkedHashMap<>();

    private record TotalNamedGauge(String help, java.util.function.LongSupplier value) {
    }
    private final GrpcMetrics grpc;
    private static final long STATS_REUSE_NANOS = 500_000_000L;
    private volatile Reading lastStats;

    private record Reading(StorageStats stats, long at) {
    }

    /**
     * @param disk       the disk histograms the engines feed
     * @param quotaBytes the backend quota in bytes (below 0: none)
     */
    public EtcdMetrics(ConsensusEngine consensus, Proposer proposer, Supplier<KvStore> store, WatchHub watches,
                       DiskTimings disk, long quotaBytes) {
        registry.register(disk.walFsync);
        registry.register(disk.backendCommit);
        GaugeWithCallback.builder().name("etcd_server_quota_backend_bytes")
                .help("Current backend storage quota size in bytes.")
                .callback(cb -> cb.call(quotaBytes)).register(registry);
        GaugeWithCallback.builder().name("etcd_server_has_leader")
                .help("Whether or not a leader exists. 1 is existence, 0 is not.")
                .callback(cb -> cb.call(consensus.status().leader().isPresent() ? 1 : 0)).register(registry);
        GaugeWithCallback.builder().name("etcd_server_is_leader")
                .help("Whether or not this member is a leader. 1 if is, 0 otherwise.")
                .callback(cb -> cb.call(consensus.status().isLeader() ? 1 : 0)).register(registry);
        CounterWithCallback.builder().name("etcd_server_leader_changes_seen_total")
                .help("The number of leader changes seen.")
                .callback(cb -> cb.call(consensus.status().leaderChanges())).register(registry);
        // etcd types these two as gauges; they are raft indexes, which only grow, and the client library
        // keeps the _total suffix for counters: the names and values are etcd's, the TYPE line says counter.
        CounterWithCallback.builder().name("etcd_server_proposals_committed_total")
                .help("The total number of consensus proposals committed.")
                .callback(cb -> cb.call(consensus.status().commitIndex())).register(registry);
        CounterWithCallback.builder().name("etcd_server_proposals_applied_total")
                .help("The total number of consensus proposals applied.")
                .callback(cb -> cb.call(consensus.status().appliedIndex())).register(registry);
        GaugeWithCallback.builder().name("etcd_server_proposals_pending")
                .help("The current number of pending proposals to commit.")
                .callback(cb -> cb.call(proposer.pending())).register(registry);
        CounterWithCallback.builder().name("etcd_server_proposals_failed_total")
                .help("The total number of failed proposals seen.")
                .callback(cb -> cb.call(proposer.failed())).register(registry);
        GaugeWithCallback.builder().name("etcd_mvcc_db_total_size_in_bytes")
                .help("Total size of the underlying database physically allocated in bytes.")
                .callback(cb -> cb.call(stats(store).totalBytes())).register(registry);
        GaugeWithCallback.builder().name("etcd_mvcc_db_total_size_in_use_in_bytes")
                .help("Total size of the underlying database logically in use in bytes.")
                .callback(cb -> cb.call(stats(store).inUseBytes())).register(registry);
        GaugeWithCallback.builder().name("etcd_debugging_mvcc_current_revision")
                .help("The current revision of store.")
                .callback(cb -> cb.call(store.get().currentRevision())).register(registry);
        totalNamedGauges.put("etcd_debugging_mvcc_keys_total",
                new TotalNamedGauge("Total number of keys.", () -> store.get().keyCount()));
        for (String name : new String[] {"etcd_mvcc_watcher_total", "etcd_debugging_mvcc_watcher_total"}) {
            totalNamedGauges.put(name, new TotalNamedGauge("Total number of watchers.", watches::watcherCount));
        }
        JvmMetrics.builder().register(registry);
        this.grpc = new GrpcMetrics(registry);
    }

    /** One reading serves every size gauge of a scrape, so total and in-use describe the same moment. */
    private StorageStats stats(Supplier<KvStore> store) {
        Reading r = lastStats;
        long now = System.nanoTime();
        if (r == null || now - r.at() > STATS_REUSE_NANOS) {
            r = new Reading(store.get().stats(), now);
            lastStats = r;
        }
        return r.stats();
    }

    /** Counts gRPC calls: install on every client listener. */
    public GrpcMetrics grpc() {
        return grpc;
    }

    /** The Prometheus text exposition of every metric. */
    public String scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
        try {
            new PrometheusTextFormatWriter(false).write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write metrics to memory", e);
        }
        StringBuilder text = new StringBuilder(out.toString(java.nio.charset.StandardCharsets.UTF_8));
        totalNamedGauges.forEach((name, g) -> text.append("# HELP ").append(name).append(' ').append(g.help())
                .append("\n# TYPE ").append(name).append(" gauge\n").append(name).append(' ')
                .append(g.value().getAsLong()).append('\n'));
        return text.toString();
    }
}
