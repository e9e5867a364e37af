package io.tern.spi.consensus;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Settings for one member's consensus engine.
 *
 * @param memberName       this member's name ({@code --name})
 * @param memberId         this member's 64-bit id
 * @param directory        the engine's own directory for its log, metadata and snapshots
 * @param peers            every initial member, this one included
 * @param heartbeat        leader heartbeat interval ({@code --heartbeat-interval})
 * @param electionTimeout  election timeout ({@code --election-timeout})
 * @param snapshotCount    applied entries between snapshots ({@code --snapshot-count})
 * @param requestTimeout   how long a proposal may wait to commit before it fails with a timeout
 */
public record ConsensusConfig(
        String memberName,
        long memberId,
        Path directory,
        List<Peer> peers,
        Duration heartbeat,
        Duration electionTimeout,
        long snapshotCount,
        Duration requestTimeout) {

    /**
     * A member of the group.
     *
     * @param name    the member's name
     * @param id      its 64-bit id
     * @param host    host of its peer address
     * @param port    port of its peer address
     */
    public record Peer(String name, long id, String host, int port) {
    }

    public ConsensusConfig {
        Objects.requireNonNull(directory, "directory");
        peers = List.copyOf(peers);
        if (peers.stream().noneMatch(p -> p.id() == memberId)) {
            throw new IllegalArgumentException("member " + memberName + " (" + Long.toHexString(memberId)
                    + ") is not among the initial peers " + peers);
        }
    }

    public Peer self() {
        return peers.stream().filter(p -> p.id() == memberId).findFirst().orElseThrow();
    }
}
