package io.tern.server.history;

import io.tern.server.history.Call.CompareAndSet;
import io.tern.server.history.Call.Delete;
import io.tern.server.history.Call.Get;
import io.tern.server.history.Call.Put;
import io.tern.server.history.Outcome.Failed;
import io.tern.server.history.Outcome.Indeterminate;
import io.tern.server.history.Outcome.Ok;
import java.util.ArrayList;
import java.util.List;

/**
 * Hand-written histories for the tests' tables. Times are small integers on one clock; operations get ids
 * 0, 1, 2... in the order they are added. An indeterminate call is given up 1000 after its invocation
 * (the checker takes it to never complete).
 */
final class HistoryBuilder {

    private final List<Operation> ops = new ArrayList<>();

    static HistoryBuilder history() {
        return new HistoryBuilder();
    }

    private HistoryBuilder add(int client, long start, long end, Call call, Outcome outcome) {
        ops.add(new Operation(ops.size(), client, start, end, call, outcome));
        return this;
    }

    HistoryBuilder put(int client, long start, long end, String key, String value, long revision) {
        return add(client, start, end, new Put(key, value), Ok.put(revision));
    }

    HistoryBuilder putIndeterminate(int client, long start, String key, String value) {
        return add(client, start, start + 1000, new Put(key, value), new Indeterminate("timeout"));
    }

    HistoryBuilder putFailed(int client, long start, long end, String key, String value) {
        return add(client, start, end, new Put(key, value), new Failed("request is too large"));
    }

    /** A get that read {@code value} at {@code modRevision}, served at {@code header}. */
    HistoryBuilder get(int client, long start, long end, String key, String value, long modRevision, long header) {
        return add(client, start, end, new Get(key), Ok.read(header, value, modRevision));
    }

    HistoryBuilder getAbsent(int client, long start, long end, String key, long header) {
        return add(client, start, end, new Get(key), Ok.readAbsent(header));
    }

    HistoryBuilder getIndeterminate(int client, long start, String key) {
        return add(client, start, start + 1000, new Get(key), new Indeterminate("connection lost"));
    }

    /** A compare-and-set from {@code expected} ({@code null}: absent) that succeeded, creating {@code revision}. */
    HistoryBuilder cas(int client, long start, long end, String key, String expected, String newValue, long revision) {
        return add(client, start, end, new CompareAndSet(key, expected, newValue), Ok.compareAndSet(revision, true));
    }

    /** A compare-and-set whose compare did not hold, served at {@code header}. */
    HistoryBuilder casFailed(int client, long start, long end, String key, String expected, String newValue,
                             long header) {
        return add(client, start, end, new CompareAndSet(key, expected, newValue), Ok.compareAndSet(header, false));
    }

    HistoryBuilder casIndeterminate(int client, long start, String key, String expected, String newValue) {
        return add(client, start, start + 1000, new CompareAndSet(key, expected, newValue),
                new Indeterminate("timeout"));
    }

    /** A delete that deleted the key, creating {@code revision}. */
    HistoryBuilder delete(int client, long start, long end, String key, long revision) {
        return add(client, start, end, new Delete(key), Ok.delete(revision, true));
    }

    /** A delete that found nothing, served at {@code header}. */
    HistoryBuilder deleteNothing(int client, long start, long end, String key, long header) {
        return add(client, start, end, new Delete(key), Ok.delete(header, false));
    }

    HistoryBuilder deleteIndeterminate(int client, long start, String key) {
        return add(client, start, start + 1000, new Delete(key), new Indeterminate("timeout"));
    }

    List<Operation> operations() {
        return List.copyOf(ops);
    }

    History build() {
        return History.of(ops);
    }
}
