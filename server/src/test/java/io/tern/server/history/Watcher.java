package io.tern.server.history;

import java.util.List;
import java.util.Objects;

/**
 * What one watching client received, across re-watches. The first stream starts at the revision the test
 * chose; after a stream broke, the client re-watches from the last revision it received plus one (or from
 * the same start revision, if it had received nothing), so the streams together should read as one.
 *
 * @param name    how violations name this watcher
 * @param range   the keys watched
 * @param prevKv  whether the watch asked for {@code prev_kv}
 * @param streams the watch streams in the order they were opened
 */
public record Watcher(String name, KeyRange range, boolean prevKv, List<WatchStream> streams) {

    public Watcher {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(range, "range");
        streams = List.copyOf(streams);
        if (streams.isEmpty()) {
            throw new IllegalArgumentException("watcher " + name + " has no stream");
        }
    }

    /**
     * One watch from {@code startRevision}, with its responses in arrival order. Responses without events
     * (the creation answer, progress notifications) may be left out.
     */
    public record WatchStream(long startRevision, List<WatchResponse> responses) {
        public WatchStream {
            if (startRevision < 1) {
                throw new IllegalArgumentException("a watch starts at revision 1 or later, not " + startRevision);
            }
            responses = List.copyOf(responses);
        }
    }

    /** The events of one {@code WatchResponse}, in the order the server sent them. */
    public record WatchResponse(List<WatchEvent> events) {
        public WatchResponse {
            events = List.copyOf(events);
        }

        public static WatchResponse of(WatchEvent... events) {
            return new WatchResponse(List.of(events));
        }
    }
}
