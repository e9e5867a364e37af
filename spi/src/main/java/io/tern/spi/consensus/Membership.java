package io.tern.spi.consensus;

import java.util.Set;

/**
 * The group's configuration as the leader holds it: voters count towards quorum and may lead; learners
 * receive the log but do neither.
 */
public record Membership(Set<PeerAddress> voters, Set<PeerAddress> learners) {
    public Membership {
        voters = Set.copyOf(voters);
        learners = Set.copyOf(learners);
    }
}
