package io.tern.consensus.jraft;

import com.alipay.sofa.jraft.option.NodeOptions;
import io.tern.spi.consensus.PeerTls;

import java.util.Optional;

/**
 * jraft's node options plus what its own replication client needs from Tern: jraft hands these very
 * options to {@link TernRaftRpcFactory} when it makes the client, which is how peer TLS reaches it.
 */
final class TernNodeOptions extends NodeOptions {
    private final Optional<PeerTls> tls;

    TernNodeOptions(Optional<PeerTls> tls) {
        this.tls = tls;
    }

    Optional<PeerTls> tls() {
        return tls;
    }
}
