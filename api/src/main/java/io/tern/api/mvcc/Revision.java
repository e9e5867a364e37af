package io.tern.api.mvcc;

/**
 * A point in the store's history: {@code main} is the revision of a write transaction (the one clients
 * see), {@code sub} orders the changes within it, from 0.
 */
public record Revision(long main, long sub) implements Comparable<Revision> {
    public Revision {
        if (main < 0 || sub < 0) {
            throw new IllegalArgumentException("negative revision " + main + "." + sub);
        }
    }

    @Override
    public int compareTo(Revision o) {
        int c = Long.compare(main, o.main);
        return c != 0 ? c : Long.compare(sub, o.sub);
    }
}
