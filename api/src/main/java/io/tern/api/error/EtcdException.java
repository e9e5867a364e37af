package io.tern.api.error;

/**
 * One of etcd's errors, raised anywhere in the API layer and translated once by {@link ErrorMapper}.
 * Expected conditions, so no stack trace is captured.
 */
public final class EtcdException extends RuntimeException {
    private final EtcdError error;

    public EtcdException(EtcdError error) {
        super(error.message(), null, false, false);
        this.error = error;
    }

    public EtcdError error() {
        return error;
    }
}
