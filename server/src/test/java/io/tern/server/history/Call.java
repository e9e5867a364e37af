package io.tern.server.history;

import java.util.Objects;

/**
 * What a client asked the server to do: one of four operations on a single key, the register a robustness
 * client exercises. Values are strings (a recorder turns jetcd's bytes into UTF-8 text); a {@code null}
 * value always means "the key is absent".
 */
public sealed interface Call {

    /** The key this call reads or writes. */
    String key();

    /** Whether the call may change the key: everything but a {@link Get}. */
    default boolean isWrite() {
        return !(this instanceof Get);
    }

    /** {@code Put(key, value)}. */
    record Put(String key, String value) implements Call {
        public Put {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
        }

        @Override
        public String toString() {
            return "put(" + key + ", " + value + ")";
        }
    }

    /** A linearizable {@code Range} of one key (never a serializable read: those are not checked). */
    record Get(String key) implements Call {
        public Get {
            Objects.requireNonNull(key, "key");
        }

        @Override
        public String toString() {
            return "get(" + key + ")";
        }
    }

    /**
     * A {@code Txn}: if the key's value equals {@code expected} (compare value), or the key is absent when
     * {@code expected} is {@code null} (compare version = 0), put {@code newValue}; otherwise do nothing.
     */
    record CompareAndSet(String key, String expected, String newValue) implements Call {
        public CompareAndSet {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(newValue, "newValue");
        }

        @Override
        public String toString() {
            return "cas(" + key + ", " + (expected == null ? "<absent>" : expected) + " -> " + newValue + ")";
        }
    }

    /** {@code DeleteRange} of one key. */
    record Delete(String key) implements Call {
        public Delete {
            Objects.requireNonNull(key, "key");
        }

        @Override
        public String toString() {
            return "delete(" + key + ")";
        }
    }
}
