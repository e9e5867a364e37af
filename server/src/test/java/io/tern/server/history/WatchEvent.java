package io.tern.server.history;

import java.util.Objects;

/**
 * One event of a watch response, reduced to what the checks need.
 *
 * @param value     the put value; {@code null} for a delete
 * @param prevValue the value of {@code prev_kv}; {@code null} when the key was absent before the event or
 *                  the watch did not ask for {@code prev_kv}
 * @param version   the event's {@code kv.version}: 1 for a put that created the key, one more per later
 *                  put, 0 for a delete (etcd's delete events carry a bare key)
 */
public record WatchEvent(long revision, String key, Type type, String value, String prevValue, long version) {

    public enum Type { PUT, DELETE }

    public WatchEvent {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(type, "type");
        if ((type == Type.PUT) != (value != null)) {
            throw new IllegalArgumentException("a PUT event carries a value and a DELETE none: " + type + " " + value);
        }
    }

    public static WatchEvent put(long revision, String key, String value, String prevValue, long version) {
        return new WatchEvent(revision, key, Type.PUT, value, prevValue, version);
    }

    public static WatchEvent delete(long revision, String key, String prevValue) {
        return new WatchEvent(revision, key, Type.DELETE, null, prevValue, 0);
    }

    /** This event as a watch without {@code prev_kv} delivers it. */
    public WatchEvent withoutPrevValue() {
        return new WatchEvent(revision, key, type, value, null, version);
    }

    @Override
    public String toString() {
        return "@" + revision + " " + type + " " + key + (type == Type.PUT ? "=" + value + " v" + version : "")
                + (prevValue != null ? " prev=" + prevValue : "");
    }
}
