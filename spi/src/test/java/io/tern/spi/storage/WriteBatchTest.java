package io.tern.spi.storage;

import static io.tern.spi.storage.ContractCases.batch;
import static io.tern.spi.storage.ContractCases.bytes;
import static io.tern.spi.storage.ContractCases.scan;
import static io.tern.spi.storage.ContractCases.scanAll;
import static io.tern.spi.storage.ContractCases.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tern.spi.storage.ContractCases.KV;
import io.tern.spi.storage.ContractCases.Op;
import io.tern.spi.storage.ContractCases.OverlayCase;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class WriteBatchTest {

    /** A plain sorted map as the base store under {@link WriteBatch#over}. */
    private static final class MapView implements ReadView {
        private final TreeMap<byte[], byte[]> map = new TreeMap<>(Bytes.ORDER);

        MapView(List<Op> ops) {
            for (Op op : ops) {
                if (op.value() == null) {
                    map.remove(bytes(op.key()));
                } else {
                    map.put(bytes(op.key()), bytes(op.value()));
                }
            }
        }

        @Override
        public byte[] get(byte[] key) {
            byte[] v = map.get(key);
            return v == null ? null : v.clone();
        }

        @Override
        public void scan(byte[] from, byte[] to, boolean reverse, EntryVisitor visitor) {
            if (to != null && Bytes.compare(from, to) >= 0) {
                return;
            }
            NavigableMap<byte[], byte[]> range =
                    to == null ? map.tailMap(from, true) : map.subMap(from, true, to, false);
            for (Map.Entry<byte[], byte[]> e : (reverse ? range.descendingMap() : range).entrySet()) {
                if (!visitor.visit(e.getKey().clone(), e.getValue().clone())) {
                    return;
                }
            }
        }
    }

    /** Records what {@link WriteBatch#forEach} reports, as "put k=v" and "del k". */
    private static List<String> mutations(WriteBatch batch) {
        List<String> seen = new ArrayList<>();
        batch.forEach(new WriteBatch.Visitor() {
            @Override
            public void put(byte[] key, byte[] value) {
                seen.add("put " + text(key) + "=" + text(value));
            }

            @Override
            public void delete(byte[] key) {
                seen.add("del " + text(key));
            }
        });
        return seen;
    }

    record Rejected(String name, Consumer<WriteBatch> call) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Rejected> rejectedMutations() {
        return Stream.of(
                new Rejected("put with a null key", b -> b.put(null, bytes("v"))),
                new Rejected("put with a null value", b -> b.put(bytes("k"), null)),
                new Rejected("delete with a null key", b -> b.delete(null)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rejectedMutations")
    void nullsAreRejectedAndLeaveTheBatchAlone(Rejected r) {
        WriteBatch b = batch(Op.put("a", "1"));
        assertThatThrownBy(() -> r.call().accept(b))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("null");
        assertThat(mutations(b)).containsExactly("put a=1");
    }

    @Test
    void forEachReportsTheLastMutationOfEachKeyInUnsignedOrder() {
        WriteBatch b = batch(
                Op.put("\u00ff", "high"), Op.put("b", "1"), Op.del("b"), Op.del("a"), Op.put("a", "2"),
                Op.put("\u0000", "low"), Op.put("ab", "x"), Op.put("ab", "y"), Op.del("c"));
        assertThat(mutations(b)).containsExactly(
                "put \u0000=low", "put a=2", "put ab=y", "del b", "del c", "put \u00ff=high");
        assertThat(b.size()).isEqualTo(6);
        assertThat(b.isEmpty()).isFalse();
    }

    @Test
    void anEmptyValueIsAPutNotADelete() {
        assertThat(mutations(batch(Op.put("a", "")))).containsExactly("put a=");
    }

    @Test
    void clearEmptiesTheBatchForReuse() {
        WriteBatch b = batch(Op.put("a", "1"), Op.del("b"));
        b.clear();
        assertThat(b.isEmpty()).isTrue();
        assertThat(b.size()).isZero();
        assertThat(mutations(b)).isEmpty();
        Op.put("c", "3").addTo(b);
        assertThat(mutations(b)).containsExactly("put c=3");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.tern.spi.storage.ContractCases#overlayCases")
    void overMergesPendingMutationsWithTheBase(OverlayCase c) {
        ReadView view = batch(ContractCases.OVERLAY_PENDING).over(new MapView(ContractCases.OVERLAY_STORED));
        for (KV kv : ContractCases.OVERLAY_GETS) {
            byte[] v = view.get(bytes(kv.key()));
            assertThat(v == null ? null : text(v)).as("get %s", kv.key()).isEqualTo(kv.value());
        }
        assertThat(scan(view, c.from(), c.to(), c.reverse(), c.limit())).containsExactlyElementsOf(c.expected());
    }

    @Test
    void overWithAnEmptyBatchIsTheBase() {
        MapView base = new MapView(ContractCases.OVERLAY_STORED);
        assertThat(scanAll(new WriteBatch().over(base))).isEqualTo(scanAll(base));
    }

    @Test
    void overFollowsLaterChangesToTheBatch() {
        WriteBatch b = new WriteBatch();
        ReadView view = b.over(new MapView(List.of(Op.put("a", "1"))));
        Op.put("b", "2").addTo(b);
        Op.del("a").addTo(b);
        assertThat(scanAll(view)).containsExactly(new KV("b", "2"));
        assertThat(view.get(bytes("a"))).isNull();
    }

    @Test
    void overHandsOutCopiesOfPendingArrays() {
        WriteBatch b = batch(Op.put("a", "1"));
        ReadView view = b.over(new MapView(List.of()));
        view.get(bytes("a"))[0] = 'X';
        view.scan(bytes(""), null, false, (k, v) -> {
            k[0] = 'Y';
            v[0] = 'Y';
            return true;
        });
        assertThat(mutations(b)).containsExactly("put a=1");
    }
}
