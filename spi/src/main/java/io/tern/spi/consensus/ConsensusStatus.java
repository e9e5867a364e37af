package io.tern.spi.consensus;

import java.util.Optional;

/**
 * A member's view of the group.
 *
 * @param self         this member's address
 * @param leader       the current leader's address, empty when none is known
 * @param term         the current term
 * @param commitIndex  the last log index known committed
 * @param appliedIndex the last log index applied to the state machine
 * @param leaderChanges times this member saw a new leader since it started (it began to lead, or to
 *                      follow another member): etcd's {@code leader_changes_seen_total}
 */
public record ConsensusStatus(PeerAddress self, Optional<PeerAddress> leader, long term, long commitIndex,
                              long appliedIndex, long leaderChanges) {
    public boolean isLeader() {
        return leader.isPresent() && leader.get().equals(self);
    }
}
