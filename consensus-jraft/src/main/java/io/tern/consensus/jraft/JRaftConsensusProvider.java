package io.tern.consensus.jraft;

import io.tern.spi.consensus.ConsensusConfig;
import io.tern.spi.consensus.ConsensusEngine;
import io.tern.spi.consensus.ConsensusProvider;
import io.tern.spi.consensus.PeerCalls;
import io.tern.spi.consensus.StateMachine;

/** Provides SOFAJRaft consensus under the name {@code jraft}. */
public final class JRaftConsensusProvider implements ConsensusProvider {
    @Override
    public String name() {
        return "jraft";
    }

    @Override
    public ConsensusEngine create(ConsensusConfig config, StateMachine stateMachine, PeerCalls calls) {
        return new JRaftConsensusEngine(config, stateMachine, calls);
    }
}
