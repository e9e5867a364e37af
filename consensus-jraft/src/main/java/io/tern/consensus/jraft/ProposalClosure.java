package io.tern.consensus.jraft;

import com.alipay.sofa.jraft.Closure;
import com.alipay.sofa.jraft.Status;

import java.util.function.BiConsumer;

/**
 * Carries a leader-local proposal through jraft. The FSM sets the applied result before jraft runs the
 * closure with OK; on any other status the result is null.
 */
final class ProposalClosure implements Closure {
    private final BiConsumer<Object, Status> done;
    private Object result;

    ProposalClosure(BiConsumer<Object, Status> done) {
        this.done = done;
    }

    void result(Object r) {
        this.result = r;
    }

    @Override
    public void run(Status status) {
        done.accept(status.isOk() ? result : null, status);
    }
}
