package io.tern.api.auth;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * etcd's simple tokens: random strings each member keeps in memory, handed out through the log so that
 * every member knows them. A token lives {@code ttl} past its last use; tokens are gone after a restart,
 * when auth is disabled, and when their user is deleted or changes password (clients authenticate again).
 */
final class Tokens {
    private static final String LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    private static final int SWEEP_EVERY = 1024;

    private final SecureRandom random = new SecureRandom();
    private final Map<String, Entry> tokens = new ConcurrentHashMap<>();
    private final long ttlNanos;
    private final LongSupplier clock;
    private int assigned;

    private static final class Entry {
        final String user;
        volatile long expires;

        Entry(String user, long expires) {
            this.user = user;
            this.expires = expires;
        }
    }

    Tokens(Duration ttl, LongSupplier nanoClock) {
        this.ttlNanos = ttl.toNanos();
        this.clock = nanoClock;
    }

    /** A new token string, as etcd forms them: 16 random letters, a dot, a number. */
    String generate(long suffix) {
        StringBuilder b = new StringBuilder(24);
        for (int i = 0; i < 16; i++) {
            b.append(LETTERS.charAt(random.nextInt(LETTERS.length())));
        }
        return b.append('.').append(suffix).toString();
    }

    /** Called on the apply thread for each token handed out. */
    void assign(String token, String user) {
        long now = clock.getAsLong();
        tokens.put(token, new Entry(user, now + ttlNanos));
        if (++assigned % SWEEP_EVERY == 0) {
            tokens.values().removeIf(e -> e.expires - now < 0);
        }
    }

    /** The user of a live token, which lives on for another TTL; null for an unknown or expired one. */
    String use(String token) {
        Entry e = tokens.get(token);
        if (e == null) {
            return null;
        }
        long now = clock.getAsLong();
        if (e.expires - now < 0) {
            tokens.remove(token, e);
            return null;
        }
        e.expires = now + ttlNanos;
        return e.user;
    }

    void invalidateUser(String user) {
        tokens.values().removeIf(e -> e.user.equals(user));
    }

    void clear() {
        tokens.clear();
    }
}
