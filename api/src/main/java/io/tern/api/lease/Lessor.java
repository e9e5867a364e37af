package io.tern.api.lease;

import io.tern.api.error.EtcdError;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The in-memory side of leases: which exist, with what TTL, and when each expires. The replicated side
 * (lease records and key attachments) lives in the store; this view follows it: {@link #granted} and
 * {@link #revoked} are called by the apply thread after each commit, {@link #reset} after the store is
 * opened or replaced.
 *
 * <p>Expiry counts only on the primary (the raft leader). A member that is not primary keeps every lease
 * unexpiring; on {@link #promote} every lease gets its full TTL again from that moment (plus an
 * allowance for the election), which is etcd's rule: a lease never expires early because leadership moved
 * or the member restarted.
 *
 * <p>Expiry order is kept in a heap with lazy deletion: a renewal pushes a new entry and leaves the old
 * one to be skipped when it surfaces.
 */
public final class Lessor {
    /** A lease's TTL in seconds and its expiry on {@link #clock} (nanoseconds); MAX_VALUE when not primary. */
    private static final class Lease {
        final long id;
        final long ttl;
        volatile long expiresAt;
        /** Which queue entry is current: each scheduling supersedes the entries before it. */
        long generation;
        /** Proposed for expiry; renewals are refused until the revoke lands or fails. */
        volatile boolean expiring;

        Lease(long id, long ttl) {
            this.id = id;
            this.ttl = ttl;
        }
    }

    private record Due(long at, long id, long generation) {
    }

    private final Map<Long, Lease> leases = new ConcurrentHashMap<>();
    private final PriorityQueue<Due> queue = new PriorityQueue<>((a, b) -> Long.compare(a.at, b.at));
    private final LongSupplier clock;
    private volatile boolean primary;

    /** @param clock monotonic nanoseconds ({@code System::nanoTime} outside tests) */
    public Lessor(LongSupplier clock) {
        this.clock = clock;
    }

    /** Replaces every lease with {@code ttls} (id to granted TTL), as read from the store. */
    public void reset(Map<Long, Long> ttls) {
        synchronized (queue) {
            leases.clear();
            queue.clear();
            ttls.forEach((id, ttl) -> add(new Lease(id, ttl), Duration.ZERO));
        }
    }

    /** A grant was applied. */
    public void granted(long id, long ttl) {
        synchronized (queue) {
            add(new Lease(id, ttl), Duration.ZERO);
        }
    }

    /** A revoke (or expiry) was applied. */
    public void revoked(long id) {
        leases.remove(id);
    }

    /** This member became leader: every lease starts its TTL afresh, plus {@code extend}. */
    public void promote(Duration extend) {
        synchronized (queue) {
            primary = true;
            queue.clear();
            for (Lease l : leases.values()) {
                l.expiring = false;
                schedule(l, extend);
            }
        }
    }

    /** This member is no longer leader: nothing expires here. */
    public void demote() {
        synchronized (queue) {
            primary = false;
            queue.clear();
            for (Lease l : leases.values()) {
                l.expiresAt = Long.MAX_VALUE;
                l.expiring = false;
            }
        }
    }

    public boolean isPrimary() {
        return primary;
    }

    /**
     * Restarts lease {@code id}'s TTL and returns it. Fails with etcd's not-found error for an unknown
     * lease, and for one that has already expired here (its revocation is due or under way: etcd too
     * answers not found rather than bring it back).
     */
    public long renew(long id) {
        synchronized (queue) {
            Lease l = leases.get(id);
            if (l == null || l.expiring || (primary && l.expiresAt - clock.getAsLong() <= 0)) {
                throw EtcdError.LEASE_NOT_FOUND.exception();
            }
            if (primary) {
                schedule(l, Duration.ZERO);
            }
            return l.ttl;
        }
    }

    /**
     * Takes up to {@code max} leases that have expired and are not yet being expired, marks them as being
     * expired, and returns their ids (earliest first). Empty unless primary.
     */
    public List<Long> takeExpired(int max) {
        List<Long> out = new ArrayList<>();
        long now = clock.getAsLong();
        synchronized (queue) {
            while (primary && out.size() < max && !queue.isEmpty() && queue.peek().at - now <= 0) {
                Due d = queue.poll();
                Lease l = leases.get(d.id);
                if (l == null || l.expiring || l.generation != d.generation) {
                    continue; // revoked, already taken, or renewed since this entry was queued
                }
                l.expiring = true;
                out.add(l.id);
            }
        }
        return out;
    }

    /** Expiry of {@code ids} could not be proposed: they become due again now. */
    public void expiryFailed(List<Long> ids) {
        synchronized (queue) {
            for (long id : ids) {
                Lease l = leases.get(id);
                if (l != null && primary) {
                    l.expiring = false;
                    l.expiresAt = clock.getAsLong();
                    queue.add(new Due(l.expiresAt, id, ++l.generation));
                }
            }
        }
    }

    /** Nanoseconds until the earliest queued expiry, or {@code fallback} when nothing is queued. */
    public long nanosUntilNextExpiry(long fallback) {
        synchronized (queue) {
            Due d = queue.peek();
            return d == null ? fallback : Math.max(0, d.at - clock.getAsLong());
        }
    }

    /** The granted TTL of lease {@code id}; fails with etcd's not-found error. */
    public long grantedTtl(long id) {
        return require(id).ttl;
    }

    /**
     * Whole seconds left before lease {@code id} expires (truncated, as etcd reports); its full TTL when this member is not
     * primary. Fails with etcd's not-found error.
     */
    public long remainingTtl(long id) {
        Lease l = require(id);
        long at = l.expiresAt;
        if (at == Long.MAX_VALUE) {
            return l.ttl;
        }
        long nanos = Math.max(0, at - clock.getAsLong());
        return nanos / 1_000_000_000L;
    }

    public boolean exists(long id) {
        return leases.containsKey(id);
    }

    /** The ids of every lease. */
    public List<Long> ids() {
        return new ArrayList<>(leases.keySet());
    }

    public int size() {
        return leases.size();
    }

    private Lease require(long id) {
        Lease l = leases.get(id);
        if (l == null) {
            throw EtcdError.LEASE_NOT_FOUND.exception();
        }
        return l;
    }

    /** Caller holds the queue lock. */
    private void add(Lease l, Duration extend) {
        leases.put(l.id, l);
        if (primary) {
            schedule(l, extend);
        } else {
            l.expiresAt = Long.MAX_VALUE;
        }
    }

    /** Caller holds the queue lock. */
    private void schedule(Lease l, Duration extend) {
        long ttlNanos = l.ttl > Long.MAX_VALUE / 4 / 1_000_000_000L ? Long.MAX_VALUE / 4 : l.ttl * 1_000_000_000L;
        long at = clock.getAsLong() + extend.toNanos() + ttlNanos;
        l.expiresAt = at;
        queue.add(new Due(at, l.id, ++l.generation));
        if (queue.size() > 4 * leases.size() + 1024) {
            // Renewals leave stale entries behind; drop them all at once when they dominate.
            queue.removeIf(d -> {
                Lease x = leases.get(d.id);
                return x == null || x.generation != d.generation;
            });
        }
    }
}
