package io.tern.spi.consensus;

/**
 * A member's view of the group.
 *
 * @param memberId     this member's id
 * @param leaderId     the current leader's id, 0 when none is known
 * @param term         the current term
 * @param commitIndex  the last log index known committed
 * @param appliedIndex the last log index applied to the state machine
 */
public record ConsensusStatus(long memberId, long leaderId, long term, long commitIndex, long appliedIndex) {
    public boolean isLeader() {
        return leaderId != 0 && leaderId == memberId;
    }
}
