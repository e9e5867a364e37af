package io.tern.consensus.jraft;

import com.alipay.sofa.jraft.Closure;
import com.alipay.sofa.jraft.Status;

import java.util.concurrent.CompletableFuture;

/**
 * Carries a proposal's future through jraft. The FSM sets the applied result before jraft runs the
 * closure with OK; any other status fails the future.
 */
final class ProposalClosure implements Closure {
    private final CompletableFuture<Object> future = new CompletableFuture<>();
    private Object result;

    CompletableFuture<Object> future() {
        return future;
    }

    void result(Object r) {
        this.result = r;
    }

    @Override
    public void run(Status status) {
        if (status.isOk()) {
            future.complete(result);
        } else {
            future.completeExceptionally(JRaftConsensusEngine.failure(status));
        }
    }
}
