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
 */
public record ConsensusStatus(PeerAddress self, Optional<PeerAddress> leader, long term, long commitIndex,
                              long appliedIndex) {
    public boolean isLeader() {
        return leader.isPresent() && leader.get().equals(self);
    }
}
