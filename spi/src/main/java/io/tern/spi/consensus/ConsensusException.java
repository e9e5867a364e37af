package io.tern.spi.consensus;

/** A proposal or read barrier could not be carried out; {@link #reason()} says why, for etcd's error mapping. */
public class ConsensusException extends RuntimeException {

    /** Why a request failed, in the terms etcd clients know. */
    public enum Reason {
        /** No leader is known (etcd: "etcdserver: no leader"). */
        NO_LEADER,
        /** Leadership moved while the request was in flight (etcd: "etcdserver: leader changed"). */
        LEADER_CHANGED,
        /** The request was not committed in time (etcd: "etcdserver: request timed out"). */
        TIMEOUT,
        /** The member is shutting down (etcd: "etcdserver: server stopped"). */
        STOPPED,
        /** The operation must run on the leader and this member is not it (etcd: "etcdserver: not leader"). */
        NOT_LEADER,
        /** A membership change the group refused: busy with another, or the change itself is invalid. */
        REJECTED,
        /** The peer could not be reached. */
        UNREACHABLE
    }

    private final Reason reason;

    public ConsensusException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public ConsensusException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
