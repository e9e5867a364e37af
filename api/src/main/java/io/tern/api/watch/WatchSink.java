package io.tern.api.watch;

import io.tern.api.proto.etcdserverpb.WatchResponse;

/** Where one watch stream's responses go: the transport, or an in-process consumer. */
public interface WatchSink {
    /**
     * Delivers one response, blocking while the client cannot take more. Called from the stream's own
     * sender thread, one response at a time. Throwing ends the stream.
     */
    void send(WatchResponse response);

    /** The stream ended on the server's side (hub closed, or delivery failed); called at most once. */
    default void closed(Throwable cause) {
    }
}
