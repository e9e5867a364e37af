package io.tern.spi.consensus;

/**
 * Creates consensus engines of one kind. Found with {@link java.util.ServiceLoader} and chosen by name.
 */
public interface ConsensusProvider {

    String name();

    /**
     * Builds an engine that will drive {@code stateMachine} and answer peers' calls with {@code calls};
     * nothing starts until {@link ConsensusEngine#start()}.
     */
    ConsensusEngine create(ConsensusConfig config, StateMachine stateMachine, PeerCalls calls);
}
