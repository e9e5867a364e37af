package io.tern.server.robust;

/**
 * A fault a robustness run injects into a cluster of member processes. Kills are SIGKILL and the member
 * restarts on the same data directory; pauses are SIGSTOP, held past the election timeout, then SIGCONT;
 * partitions cut the peer network between one member and the rest, both ways (clients still reach it). In a
 * cluster of one member its member is the leader and it has no follower, and there is nothing to partition.
 */
public enum Fault {
    KILL_LEADER,
    KILL_FOLLOWER,
    KILL_ALL,
    PAUSE_LEADER,
    PAUSE_FOLLOWER,
    PARTITION_LEADER,
    PARTITION_FOLLOWER;

    /** Whether the fault needs more than one member. */
    boolean needsPeers() {
        return this == KILL_FOLLOWER || this == PAUSE_FOLLOWER || isPartition();
    }

    boolean isPause() {
        return this == PAUSE_LEADER || this == PAUSE_FOLLOWER;
    }

    boolean isPartition() {
        return this == PARTITION_LEADER || this == PARTITION_FOLLOWER;
    }

    boolean hitsLeader() {
        return this == KILL_LEADER || this == PAUSE_LEADER || this == PARTITION_LEADER;
    }
}
