package io.tern.consensus.jraft;

import com.alipay.sofa.jraft.Closure;
import com.alipay.sofa.jraft.Status;

/**
 * Carries a proposal through jraft on the leader. The FSM sets the applied result and the entry's index
 * before jraft runs the closure with OK; on any other status they are null and 0.
 */
final class ProposalClosure implements Closure {
    /** Receives the outcome. */
    @FunctionalInterface
    interface Done {
        void run(Object result, long index, Status status);
    }

    private final Done done;
    private Object result;
    private long index;

    ProposalClosure(Done done) {
        this.done = done;
    }

    void applied(Object r, long logIndex) {
        this.result = r;
        this.index = logIndex;
    }

    @Override
    public void run(Status status) {
        done.run(status.isOk() ? result : null, status.isOk() ? index : 0, status);
    }
}
