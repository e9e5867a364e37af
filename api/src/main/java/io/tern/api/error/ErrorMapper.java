package io.tern.api.error;

import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.tern.spi.consensus.ConsensusException;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * Translates any failure into the gRPC status etcd would answer with. Both the gRPC services and the
 * HTTP gateway go through {@link #toStatus}; unknown failures become {@code UNKNOWN} with their message,
 * never a crash of the transport.
 */
public final class ErrorMapper {
    private static final System.Logger LOG = System.getLogger(ErrorMapper.class.getName());

    private ErrorMapper() {
    }

    public static Status toStatus(Throwable t) {
        Throwable cause = unwrap(t);
        if (cause instanceof EtcdException e) {
            return status(e.error());
        }
        if (cause instanceof ConsensusException c) {
            return status(switch (c.reason()) {
                case NO_LEADER -> EtcdError.NO_LEADER;
                case LEADER_CHANGED -> EtcdError.LEADER_CHANGED;
                case TIMEOUT -> EtcdError.TIMEOUT;
                case STOPPED -> EtcdError.STOPPED;
                case NOT_LEADER -> EtcdError.NOT_LEADER;
                case REJECTED -> EtcdError.UNHEALTHY;
                case UNREACHABLE -> EtcdError.TIMEOUT_DUE_TO_CONNECTION_LOST;
            });
        }
        if (cause instanceof StatusRuntimeException s) {
            return s.getStatus();
        }
        if (cause instanceof StatusException s) {
            return s.getStatus();
        }
        LOG.log(System.Logger.Level.ERROR, "unexpected failure answered as UNKNOWN", cause);
        return Status.UNKNOWN.withDescription(String.valueOf(cause.getMessage())).withCause(cause);
    }

    public static Status status(EtcdError error) {
        return Status.fromCode(error.code()).withDescription(error.message());
    }

    /** Go's name for a gRPC code ({@code OK}, {@code Canceled}, {@code PermissionDenied}, ...). */
    public static String goCodeName(Status.Code code) {
        if (code == Status.Code.OK) {
            return "OK";
        }
        if (code == Status.Code.CANCELLED) {
            return "Canceled";
        }
        StringBuilder b = new StringBuilder();
        for (String part : code.name().split("_")) {
            b.append(part.charAt(0)).append(part.substring(1).toLowerCase(java.util.Locale.ROOT));
        }
        return b.toString();
    }

    /** Go's text for a gRPC error, as etcd puts it in a watch's cancel reason. */
    public static String goError(Status s) {
        return "rpc error: code = " + goCodeName(s.getCode()) + " desc = " + s.getDescription();
    }

    public static StatusRuntimeException toException(Throwable t) {
        return toStatus(t).asRuntimeException();
    }

    private static Throwable unwrap(Throwable t) {
        Throwable c = t;
        while ((c instanceof CompletionException || c instanceof ExecutionException) && c.getCause() != null) {
            c = c.getCause();
        }
        return c;
    }
}
