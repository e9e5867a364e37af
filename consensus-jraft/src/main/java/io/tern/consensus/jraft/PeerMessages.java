package io.tern.consensus.jraft;

import java.io.Serializable;

/**
 * The engine's own peer messages, carried by jraft's RPC layer next to its raft messages (serialized by
 * its default codec, which needs plain mutable classes). Failures travel as a
 * {@link io.tern.spi.consensus.ConsensusException.Reason} name and a message.
 */
final class PeerMessages {
    private PeerMessages() {
    }

    /** A follower asks the leader to append a batch of commands ({@link ForwardBatch}); so does the reply. */
    static final class Forward implements Serializable {
        private static final long serialVersionUID = 1L;
        byte[] entry;

        Forward() {
        }

        Forward(byte[] entry) {
            this.entry = entry;
        }
    }

    /** A member asks another's upper layer something. */
    static final class Call implements Serializable {
        private static final long serialVersionUID = 1L;
        byte[] payload;

        Call() {
        }

        Call(byte[] payload) {
            this.payload = payload;
        }
    }

    /** The answer to either: {@code failure} null means success. */
    static final class Reply implements Serializable {
        private static final long serialVersionUID = 1L;
        byte[] payload;
        String failure;
        String message;

        Reply() {
        }

        static Reply ok(byte[] payload) {
            Reply r = new Reply();
            r.payload = payload;
            return r;
        }

        static Reply failed(String reason, String message) {
            Reply r = new Reply();
            r.failure = reason;
            r.message = message;
            return r;
        }
    }
}
