package io.tern.spi.consensus;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.LongConsumer;

/**
 * Settings for one member's consensus engine.
 *
 * @param memberName      this member's name ({@code --name}), for logs
 * @param self            this member's advertised peer address: its identity in the group
 * @param listen          where peer traffic is accepted ({@code --listen-peer-urls}); host 0.0.0.0 for every interface
 * @param directory       the engine's own directory for its log, metadata and snapshots
 * @param initialVoters   the voters of a new group, this member included; empty when joining a running
 *                        group, which then adds this member itself
 * @param heartbeat       leader heartbeat interval ({@code --heartbeat-interval})
 * @param electionTimeout election timeout ({@code --election-timeout})
 * @param snapshotCount   applied commands between snapshots ({@code --snapshot-count}: etcd counts requests,
 *                        so commands sharing a log entry count one each)
 * @param requestTimeout  how long a proposal may wait to commit before it fails with a timeout
 * @param tls             TLS for peer traffic, both accepted and dialed; empty for plain TCP
 * @param logSyncNanos    told how long each durable append to the log took, in nanoseconds (etcd's WAL
 *                        fsync metric); called on the engine's log thread, so it must be quick
 */
public record ConsensusConfig(
        String memberName,
        PeerAddress self,
        PeerAddress listen,
        Path directory,
        List<PeerAddress> initialVoters,
        Duration heartbeat,
        Duration electionTimeout,
        long snapshotCount,
        Duration requestTimeout,
        Optional<PeerTls> tls,
        LongConsumer logSyncNanos) {

    /** Settings without a listener for log append times. */
    public ConsensusConfig(String memberName, PeerAddress self, PeerAddress listen, Path directory,
                           List<PeerAddress> initialVoters, Duration heartbeat, Duration electionTimeout,
                           long snapshotCount, Duration requestTimeout, Optional<PeerTls> tls) {
        this(memberName, self, listen, directory, initialVoters, heartbeat, electionTimeout, snapshotCount,
                requestTimeout, tls, nanos -> { });
    }

    public ConsensusConfig {
        Objects.requireNonNull(self, "self");
        Objects.requireNonNull(listen, "listen");
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(logSyncNanos, "logSyncNanos");
        initialVoters = List.copyOf(initialVoters);
        if (!initialVoters.isEmpty() && !initialVoters.contains(self)) {
            throw new IllegalArgumentException("member " + memberName + " (" + self
                    + ") is not among the initial voters " + initialVoters);
        }
    }

    /** True when this member starts with no configuration and waits to be added to a running group. */
    public boolean joining() {
        return initialVoters.isEmpty();
    }
}
