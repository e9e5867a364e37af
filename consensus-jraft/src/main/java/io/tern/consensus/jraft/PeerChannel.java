package io.tern.consensus.jraft;

import com.alipay.sofa.jraft.option.RpcOptions;
import com.alipay.sofa.jraft.rpc.RpcClient;
import com.alipay.sofa.jraft.rpc.RpcContext;
import com.alipay.sofa.jraft.rpc.RpcProcessor;
import com.alipay.sofa.jraft.rpc.RpcServer;
import com.alipay.sofa.jraft.util.Endpoint;
import com.alipay.sofa.jraft.util.RpcFactoryHelper;
import io.tern.spi.consensus.ConsensusException;
import io.tern.spi.consensus.PeerAddress;
import io.tern.spi.consensus.PeerCalls;
import io.tern.spi.consensus.PeerTls;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.function.Function;

/**
 * The engine's messages between members, on the same port and connections as raft's own: forwarded
 * proposals and the upper layer's calls. Replies carry failures as a reason name, so a
 * {@link ConsensusException} raised on one member is raised again, with the same reason, on the caller.
 */
final class PeerChannel implements AutoCloseable {
    private final RpcClient client;
    private final int timeoutMs;

    PeerChannel(int timeoutMs, Optional<PeerTls> tls) {
        this.timeoutMs = timeoutMs;
        this.client = RpcFactoryHelper.rpcFactory().createRpcClient();
        tls.ifPresent(t -> TernRaftRpcFactory.dialWith(client, t));
        if (!client.init(new RpcOptions())) {
            throw new IllegalStateException("cannot start the peer RPC client");
        }
    }

    /** Serves both message kinds on {@code server}; register before the server starts. */
    static void serve(RpcServer server, Function<byte[], CompletableFuture<byte[]>> forwarded, PeerCalls calls) {
        // A forwarded batch only hands its entries to jraft's apply queue, which never blocks (jraft's
        // non-blocking apply mode fails a task when the queue is full): it is handled on the connection's
        // I/O thread, saving a hand-off to bolt's executor per batch. Calls reach the upper layer, which
        // may take its time: they keep bolt's executor.
        server.registerProcessor(new Processor<>(PeerMessages.Forward.class, m -> forwarded.apply(m.entry), Runnable::run));
        server.registerProcessor(new Processor<>(PeerMessages.Call.class, m -> calls.answer(m.payload), null));
    }

    /** Sends a {@link ForwardBatch} request to the leader; completes with its reply. */
    CompletableFuture<byte[]> forward(PeerAddress leader, byte[] batch) {
        return send(leader, new PeerMessages.Forward(batch));
    }

    CompletableFuture<byte[]> call(PeerAddress member, byte[] payload) {
        return send(member, new PeerMessages.Call(payload));
    }

    private CompletableFuture<byte[]> send(PeerAddress to, Object message) {
        CompletableFuture<byte[]> f = new CompletableFuture<>();
        try {
            client.invokeAsync(new Endpoint(to.host(), to.port()), message, (result, err) -> {
                if (err != null) {
                    f.completeExceptionally(transportFailure(to, err));
                } else if (result instanceof PeerMessages.Reply r) {
                    if (r.failure == null) {
                        f.complete(r.payload == null ? new byte[0] : r.payload);
                    } else {
                        f.completeExceptionally(new ConsensusException(reason(r.failure), r.message));
                    }
                } else {
                    f.completeExceptionally(new ConsensusException(ConsensusException.Reason.UNREACHABLE,
                            "peer " + to + " answered " + result));
                }
            }, timeoutMs);
        } catch (Exception e) {
            f.completeExceptionally(new ConsensusException(ConsensusException.Reason.UNREACHABLE,
                    "peer " + to + ": " + e.getMessage(), e));
        }
        return f;
    }

    /**
     * UNREACHABLE only when the message cannot have left (no connection could be made); anything after
     * that is a TIMEOUT, because the peer may have acted on it.
     */
    private static ConsensusException transportFailure(PeerAddress to, Throwable err) {
        String msg = String.valueOf(err.getMessage());
        boolean notSent = msg.contains("Create connection failed") || err instanceof java.net.ConnectException
                || err.getCause() instanceof java.net.ConnectException;
        return new ConsensusException(notSent ? ConsensusException.Reason.UNREACHABLE : ConsensusException.Reason.TIMEOUT,
                "peer " + to + ": " + msg, err);
    }

    private static ConsensusException.Reason reason(String name) {
        try {
            return ConsensusException.Reason.valueOf(name);
        } catch (IllegalArgumentException e) {
            return ConsensusException.Reason.REJECTED;
        }
    }

    @Override
    public void close() {
        client.shutdown();
    }

    /** @param executor where bolt runs the handler; null for bolt's default executor */
    private record Processor<T>(Class<T> type, Function<T, CompletableFuture<byte[]>> handler, Executor executor)
            implements RpcProcessor<T> {
        @Override
        public void handleRequest(RpcContext ctx, T request) {
            CompletableFuture<byte[]> answer;
            try {
                answer = handler.apply(request);
            } catch (RuntimeException e) {
                answer = CompletableFuture.failedFuture(e);
            }
            answer.whenComplete((payload, t) -> ctx.sendResponse(t == null ? PeerMessages.Reply.ok(payload) : failed(t)));
        }

        private static PeerMessages.Reply failed(Throwable t) {
            Throwable c = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
            if (c instanceof ConsensusException ce) {
                return PeerMessages.Reply.failed(ce.reason().name(), ce.getMessage());
            }
            return PeerMessages.Reply.failed(ConsensusException.Reason.REJECTED.name(), String.valueOf(c.getMessage()));
        }

        @Override
        public String interest() {
            return type.getName();
        }
    }
}
