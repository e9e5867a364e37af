package io.tern.api.maintenance;

import io.tern.api.cluster.ResponseHeaders;
import io.tern.api.mvcc.KvStore;
import io.tern.api.proto.etcdserverpb.StatusResponse;
import io.tern.spi.consensus.ConsensusEngine;
import io.tern.spi.consensus.ConsensusStatus;
import io.tern.spi.storage.StorageStats;

import java.util.function.Supplier;

/** The parts of etcd's Maintenance service that report on this member. */
public final class MaintenanceService {
    /** The etcd API level Tern implements, reported where etcd reports its server version. */
    public static final String ETCD_VERSION = "3.5.0";

    private final ConsensusEngine consensus;
    private final Supplier<KvStore> store;
    private final ResponseHeaders headers;

    public MaintenanceService(ConsensusEngine consensus, Supplier<KvStore> store, ResponseHeaders headers) {
        this.consensus = consensus;
        this.store = store;
        this.headers = headers;
    }

    public StatusResponse status() {
        ConsensusStatus cs = consensus.status();
        KvStore s = store.get();
        StorageStats stats = s.stats();
        return StatusResponse.newBuilder()
                .setHeader(headers.header(s.currentRevision(), cs.term()))
                .setVersion(ETCD_VERSION)
                .setDbSize(stats.totalBytes())
                .setDbSizeInUse(stats.inUseBytes())
                .setLeader(cs.leaderId())
                .setRaftIndex(cs.commitIndex())
                .setRaftTerm(cs.term())
                .setRaftAppliedIndex(cs.appliedIndex())
                .setIsLearner(false)
                .build();
    }
}
