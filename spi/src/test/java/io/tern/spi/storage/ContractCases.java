package io.tern.spi.storage;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.function.BiConsumer;
import java.util.stream.Stream;

/**
 * Tables and helpers shared by {@link StorageEngineContract} and the SPI's unit tests.
 *
 * <p>Keys and values are written as ISO-8859-1 strings, so every char is exactly one byte:
 * {@code "\u00ff"} is the byte {@code 0xFF}. {@link KV#toString} prints non-printable bytes as {@code \xNN}.
 */
public final class ContractCases {
    private ContractCases() {
    }

    /** The bytes of a one-char-per-byte string. */
    public static byte[] bytes(String latin1) {
        return latin1.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** The inverse of {@link #bytes}. */
    public static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    /** Prints a key with non-printable bytes escaped, for failure messages. */
    public static String show(String latin1) {
        StringBuilder sb = new StringBuilder();
        for (char c : latin1.toCharArray()) {
            if (c >= 0x20 && c < 0x7F) {
                sb.append(c);
            } else {
                sb.append(String.format("\\x%02X", (int) c));
            }
        }
        return sb.toString();
    }

    /** One entry seen by a scan or expected from a get; {@code value == null} means absent. */
    public record KV(String key, String value) {
        @Override
        public String toString() {
            return show(key) + "=" + (value == null ? "<absent>" : show(value));
        }
    }

    /** One mutation of a batch. */
    public record Op(String key, String value) {
        public static Op put(String key, String value) {
            return new Op(key, value);
        }

        public static Op del(String key) {
            return new Op(key, null);
        }

        public void addTo(WriteBatch batch) {
            if (value == null) {
                batch.delete(bytes(key));
            } else {
                batch.put(bytes(key), bytes(value));
            }
        }

        @Override
        public String toString() {
            return value == null ? "del " + show(key) : "put " + show(key) + "=" + show(value);
        }
    }

    public static WriteBatch batch(Op... ops) {
        WriteBatch batch = new WriteBatch();
        for (Op op : ops) {
            op.addTo(batch);
        }
        return batch;
    }

    public static WriteBatch batch(List<Op> ops) {
        return batch(ops.toArray(Op[]::new));
    }

    /**
     * Scans {@code view} and records what the visitor saw, stopping after {@code limit} entries
     * ({@code 0}: no limit). Fails if the view calls the visitor again after it returned {@code false}.
     */
    public static List<KV> scan(ReadView view, String from, String to, boolean reverse, int limit) {
        List<KV> seen = new ArrayList<>();
        boolean[] stopped = {false};
        view.scan(bytes(from), to == null ? null : bytes(to), reverse, (k, v) -> {
            if (stopped[0]) {
                throw new AssertionError("visitor called after it returned false, with key " + show(text(k)));
            }
            seen.add(new KV(text(k), text(v)));
            stopped[0] = limit > 0 && seen.size() >= limit;
            return !stopped[0];
        });
        return seen;
    }

    /** Every entry of {@code view}, ascending. */
    public static List<KV> scanAll(ReadView view) {
        return scan(view, "", null, false, 0);
    }

    // ---------------------------------------------------------------------------------------------
    // Point reads after a sequence of batches.

    /**
     * Applies {@code batches} in order, then expects each of {@code expected} from {@code get}
     * (and the present ones, and only those, from a full scan).
     */
    public record PointCase(String name, List<List<Op>> batches, List<KV> expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    public static Stream<PointCase> pointCases() {
        return Stream.of(
                new PointCase("put then get",
                        List.of(List.of(Op.put("a", "1"))),
                        List.of(new KV("a", "1"), new KV("b", null))),
                new PointCase("a later batch overwrites",
                        List.of(List.of(Op.put("a", "1")), List.of(Op.put("a", "2"))),
                        List.of(new KV("a", "2"))),
                new PointCase("the last put of a key in one batch wins",
                        List.of(List.of(Op.put("a", "1"), Op.put("b", "x"), Op.put("a", "2"))),
                        List.of(new KV("a", "2"), new KV("b", "x"))),
                new PointCase("a later batch deletes",
                        List.of(List.of(Op.put("a", "1"), Op.put("b", "2")), List.of(Op.del("a"))),
                        List.of(new KV("a", null), new KV("b", "2"))),
                new PointCase("put then delete in one batch leaves nothing",
                        List.of(List.of(Op.put("a", "1"), Op.del("a"))),
                        List.of(new KV("a", null))),
                new PointCase("put then delete in one batch removes a stored key",
                        List.of(List.of(Op.put("a", "1")), List.of(Op.put("a", "2"), Op.del("a"))),
                        List.of(new KV("a", null))),
                new PointCase("delete then put in one batch keeps the put",
                        List.of(List.of(Op.put("a", "1")), List.of(Op.del("a"), Op.put("a", "3"))),
                        List.of(new KV("a", "3"))),
                new PointCase("deleting a missing key is a no-op",
                        List.of(List.of(Op.put("a", "1")), List.of(Op.del("z"))),
                        List.of(new KV("a", "1"), new KV("z", null))),
                new PointCase("an empty value is a value, not an absence",
                        List.of(List.of(Op.put("a", ""))),
                        List.of(new KV("a", ""))),
                new PointCase("the empty key is a key",
                        List.of(List.of(Op.put("", "root"), Op.put("a", "1"))),
                        List.of(new KV("", "root"), new KV("a", "1"))),
                new PointCase("an empty batch changes nothing",
                        List.of(List.of(Op.put("a", "1")), List.of()),
                        List.of(new KV("a", "1"))),
                new PointCase("binary keys and values round-trip",
                        List.of(List.of(Op.put("\u0000", "\u00ff\u0000"), Op.put("\u00ff", "\u0000\u0080"))),
                        List.of(new KV("\u0000", "\u00ff\u0000"), new KV("\u00ff", "\u0000\u0080"),
                                new KV("\u0000\u0000", null))));
    }

    // ---------------------------------------------------------------------------------------------
    // Range scans over a fixed set of keys.

    /**
     * The scan fixture, in the order the store must keep it: unsigned bytes, a prefix before its
     * extensions. Each key's value is {@code "v:" + key}.
     *
     * <pre>
     *  ""  \x00  \x00\x00  \x01  a  ab  abc  b  \x7F  \x80  \xFF  \xFF\x00
     * </pre>
     * A signed-byte comparison would put \x80 and \xFF before \x00; a length-first one would put b
     * before ab.
     */
    public static final List<String> SCAN_KEYS = List.of(
            "", "\u0000", "\u0000\u0000", "\u0001", "a", "ab", "abc", "b",
            "\u007f", "\u0080", "\u00ff", "\u00ff\u0000");

    /** A scan of the fixture and the keys it must visit, in visiting order. */
    public record ScanCase(String name, String from, String to, boolean reverse, int limit, List<String> keys) {
        @Override
        public String toString() {
            return name;
        }

        public List<KV> expected() {
            return keys.stream().map(k -> new KV(k, "v:" + k)).toList();
        }
    }

    public static Stream<ScanCase> scanCases() {
        List<String> all = SCAN_KEYS;
        List<String> allReversed = reversed(all);
        return Stream.of(
                new ScanCase("everything ascending", "", null, false, 0, all),
                new ScanCase("everything descending", "", null, true, 0, allReversed),
                new ScanCase("[a, b) excludes b", "a", "b", false, 0, List.of("a", "ab", "abc")),
                new ScanCase("[a, b) descending", "a", "b", true, 0, List.of("abc", "ab", "a")),
                new ScanCase("a prefix comes before its extensions", "ab", "ac", false, 0, List.of("ab", "abc")),
                new ScanCase("bounds between keys", "aa", "az", false, 0, List.of("ab", "abc")),
                new ScanCase("bounds between keys descending", "\u0000\u0000\u0000", "az", true, 0,
                        List.of("abc", "ab", "a", "\u0001")),
                new ScanCase("to == null runs to the end", "\u0080", null, false, 0,
                        List.of("\u0080", "\u00ff", "\u00ff\u0000")),
                new ScanCase("to == null descending starts at the last key", "\u0080", null, true, 0,
                        List.of("\u00ff\u0000", "\u00ff", "\u0080")),
                new ScanCase("bytes >= 0x80 sort after 0x7F", "\u007f", "\u00ff", false, 0,
                        List.of("\u007f", "\u0080")),
                new ScanCase("descending skips a stored upper bound", "\u0000", "\u007f", true, 0,
                        List.of("b", "abc", "ab", "a", "\u0001", "\u0000\u0000", "\u0000")),
                new ScanCase("descending from just above one key", "\u00ff", "\u00ff\u0000", true, 0,
                        List.of("\u00ff")),
                new ScanCase("from == to is empty", "a", "a", false, 0, List.of()),
                new ScanCase("from == to is empty descending", "a", "a", true, 0, List.of()),
                new ScanCase("from > to is empty", "b", "a", false, 0, List.of()),
                new ScanCase("from > to is empty descending", "b", "a", true, 0, List.of()),
                new ScanCase("a gap without keys is empty", "c", "\u007f", false, 0, List.of()),
                new ScanCase("past the last key is empty", "\u00ff\u0000\u0000", null, true, 0, List.of()),
                new ScanCase("early stop ascending", "", null, false, 2, List.of("", "\u0000")),
                new ScanCase("early stop descending", "", null, true, 2, List.of("\u00ff\u0000", "\u00ff")),
                new ScanCase("stop at the first entry", "a", null, false, 1, List.of("a")));
    }

    // ---------------------------------------------------------------------------------------------
    // WriteBatch.over: pending mutations merged over stored entries.

    /**
     * Stored entries for the overlay cases, and the pending batch read on top of them:
     *
     * <pre>
     *  stored:   a=1  b=2          c=3  d=4  e=5
     *  pending:       b=B  bb=BB   c=X                f=F   zz=X
     *  merged:   a=1  b=B  bb=BB        d=4  e=5  f=F
     * </pre>
     * (X: deleted; zz is a delete of a key that is not stored.)
     */
    public static final List<Op> OVERLAY_STORED =
            List.of(Op.put("a", "1"), Op.put("b", "2"), Op.put("c", "3"), Op.put("d", "4"), Op.put("e", "5"));

    public static final List<Op> OVERLAY_PENDING =
            List.of(Op.put("b", "B"), Op.del("c"), Op.put("bb", "BB"), Op.put("f", "F"), Op.del("zz"));

    public static final List<KV> OVERLAY_GETS = List.of(
            new KV("a", "1"), new KV("b", "B"), new KV("bb", "BB"), new KV("c", null), new KV("d", "4"),
            new KV("f", "F"), new KV("zz", null), new KV("q", null));

    /** A scan of the merged view, and what it must visit. */
    public record OverlayCase(String name, String from, String to, boolean reverse, int limit, List<KV> expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    public static Stream<OverlayCase> overlayCases() {
        KV a = new KV("a", "1");
        KV b = new KV("b", "B");
        KV bb = new KV("bb", "BB");
        KV d = new KV("d", "4");
        KV e = new KV("e", "5");
        KV f = new KV("f", "F");
        return Stream.of(
                new OverlayCase("everything ascending", "", null, false, 0, List.of(a, b, bb, d, e, f)),
                new OverlayCase("everything descending", "", null, true, 0, List.of(f, e, d, bb, b, a)),
                new OverlayCase("[b, d) shadows b and hides c", "b", "d", false, 0, List.of(b, bb)),
                new OverlayCase("[b, d) descending", "b", "d", true, 0, List.of(bb, b)),
                new OverlayCase("a pending delete empties [c, d)", "c", "d", false, 0, List.of()),
                new OverlayCase("a pending delete empties [c, d) descending", "c", "d", true, 0, List.of()),
                new OverlayCase("pending entries past the stored ones", "bb", null, false, 0, List.of(bb, d, e, f)),
                new OverlayCase("only pending entries in range", "f", "g", false, 0, List.of(f)),
                new OverlayCase("only pending entries in range descending", "f", null, true, 0, List.of(f)),
                new OverlayCase("early stop on a shadowing entry", "", null, false, 2, List.of(a, b)),
                new OverlayCase("early stop on a pending-only entry descending", "", null, true, 1, List.of(f)),
                new OverlayCase("early stop on a stored entry descending", "", null, true, 3, List.of(f, e, d)),
                new OverlayCase("early stop on a shadowing entry descending", "", null, true, 5,
                        List.of(f, e, d, bb, b)),
                new OverlayCase("from > to is empty", "e", "b", false, 0, List.of()),
                new OverlayCase("from > to is empty descending", "e", "b", true, 0, List.of()));
    }

    // ---------------------------------------------------------------------------------------------
    // Calls on a closed engine.

    /** A call on a closed engine; it gets the test's temporary directory for paths it needs. */
    public record ClosedCall(String name, BiConsumer<StorageEngine, Path> call) {
        @Override
        public String toString() {
            return name;
        }
    }

    public static Stream<ClosedCall> callsAfterClose() {
        return Stream.of(
                new ClosedCall("write", (e, dir) -> e.write(batch(Op.put("b", "2")))),
                new ClosedCall("get", (e, dir) -> e.get(bytes("a"))),
                new ClosedCall("scan", (e, dir) -> e.scan(bytes(""), null, false, (k, v) -> true)),
                new ClosedCall("snapshot", (e, dir) -> e.snapshot().close()),
                new ClosedCall("sync", (e, dir) -> e.sync()),
                new ClosedCall("checkpoint", (e, dir) -> e.checkpoint(dir.resolve("checkpoint"))),
                new ClosedCall("stats", (e, dir) -> e.stats()),
                new ClosedCall("defragment", (e, dir) -> e.defragment()));
    }

    private static <T> List<T> reversed(List<T> list) {
        List<T> copy = new ArrayList<>(list);
        Collections.reverse(copy);
        return copy;
    }

    /** Fresh random bytes (incompressible, so sizes on disk are honest). */
    public static byte[] randomBytes(Random random, int size) {
        byte[] b = new byte[size];
        random.nextBytes(b);
        return b;
    }
}
