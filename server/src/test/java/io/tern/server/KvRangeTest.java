package io.tern.server;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import static io.tern.server.TernHarness.bs;
import static io.tern.server.TernHarness.str;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every Range option through jetcd against a real member, on every engine. The data set, by revision:
 * <pre>
 *  2 a=1   3 b=2   4 c=3   5 foo=x   6 foo1=yy   7 foo2=z   8 b=22   9 del c   10 zoo=q
 * </pre>
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KvRangeTest {
    private final Map<String, TernServer> servers = new HashMap<>();
    private final Map<String, Client> clients = new HashMap<>();

    record Case(String name, String key, UnaryOperator<GetOption.Builder> options, List<String> expected,
                long count, boolean more) {
        @Override
        public String toString() {
            return name;
        }
    }

    static final ByteSequence ZERO = ByteSequence.from(new byte[] {0});

    static List<Case> cases() {
        return List.of(
                new Case("single key", "a", o -> o, List.of("a=1"), 1, false),
                new Case("missing key", "nope", o -> o, List.of(), 0, false),
                new Case("range [a,c)", "a", o -> o.withRange(bs("c")), List.of("a=1", "b=22"), 2, false),
                new Case("prefix foo", "foo", o -> o.isPrefix(true), List.of("foo=x", "foo1=yy", "foo2=z"), 3, false),
                new Case("from key foo", "foo", o -> o.withRange(ZERO),
                        List.of("foo=x", "foo1=yy", "foo2=z", "zoo=q"), 4, false),
                new Case("all keys", "\0", o -> o.withRange(ZERO),
                        List.of("a=1", "b=22", "foo=x", "foo1=yy", "foo2=z", "zoo=q"), 6, false),
                new Case("limit 2", "\0", o -> o.withRange(ZERO).withLimit(2), List.of("a=1", "b=22"), 6, true),
                new Case("limit equal to count", "foo", o -> o.isPrefix(true).withLimit(3),
                        List.of("foo=x", "foo1=yy", "foo2=z"), 3, false),
                new Case("key descend, limit 2", "\0", o -> o.withRange(ZERO).withLimit(2)
                        .withSortOrder(GetOption.SortOrder.DESCEND), List.of("zoo=q", "foo2=z"), 6, true),
                new Case("mod ascend", "\0", o -> o.withRange(ZERO).withSortField(GetOption.SortTarget.MOD)
                        .withSortOrder(GetOption.SortOrder.ASCEND),
                        List.of("a=1", "foo=x", "foo1=yy", "foo2=z", "b=22", "zoo=q"), 6, false),
                new Case("mod with default order ascends", "\0", o -> o.withRange(ZERO)
                        .withSortField(GetOption.SortTarget.MOD),
                        List.of("a=1", "foo=x", "foo1=yy", "foo2=z", "b=22", "zoo=q"), 6, false),
                new Case("create descend", "\0", o -> o.withRange(ZERO).withSortField(GetOption.SortTarget.CREATE)
                        .withSortOrder(GetOption.SortOrder.DESCEND),
                        List.of("zoo=q", "foo2=z", "foo1=yy", "foo=x", "b=22", "a=1"), 6, false),
                new Case("version descend, limit 1", "\0", o -> o.withRange(ZERO).withLimit(1)
                        .withSortField(GetOption.SortTarget.VERSION).withSortOrder(GetOption.SortOrder.DESCEND),
                        List.of("b=22"), 6, true),
                new Case("value ascend", "\0", o -> o.withRange(ZERO).withSortField(GetOption.SortTarget.VALUE)
                        .withSortOrder(GetOption.SortOrder.ASCEND),
                        List.of("a=1", "b=22", "zoo=q", "foo=x", "foo1=yy", "foo2=z"), 6, false),
                new Case("keys only", "foo", o -> o.isPrefix(true).withKeysOnly(true),
                        List.of("foo=", "foo1=", "foo2="), 3, false),
                new Case("count only", "\0", o -> o.withRange(ZERO).withCountOnly(true), List.of(), 6, false),
                new Case("at revision 4", "\0", o -> o.withRange(ZERO).withRevision(4),
                        List.of("a=1", "b=2", "c=3"), 3, false),
                new Case("at revision 8", "\0", o -> o.withRange(ZERO).withRevision(8),
                        List.of("a=1", "b=22", "c=3", "foo=x", "foo1=yy", "foo2=z"), 6, false),
                new Case("deleted key at its last revision", "c", o -> o.withRevision(8), List.of("c=3"), 1, false),
                new Case("min mod revision 6 (count ignores filters)", "\0", o -> o.withRange(ZERO).withMinModRevision(6),
                        List.of("b=22", "foo1=yy", "foo2=z", "zoo=q"), 6, false),
                new Case("max mod revision 7", "\0", o -> o.withRange(ZERO).withMaxModRevision(7),
                        List.of("a=1", "foo=x", "foo1=yy", "foo2=z"), 6, false),
                new Case("min create revision 6", "\0", o -> o.withRange(ZERO).withMinCreateRevision(6),
                        List.of("foo1=yy", "foo2=z", "zoo=q"), 6, false),
                new Case("max create revision 5, limit 2", "\0", o -> o.withRange(ZERO).withMaxCreateRevision(5)
                        .withLimit(2), List.of("a=1", "b=22"), 6, true),
                new Case("serializable", "foo", o -> o.isPrefix(true).withSerializable(true),
                        List.of("foo=x", "foo1=yy", "foo2=z"), 3, false),
                new Case("end before key", "z", o -> o.withRange(bs("a")), List.of(), 0, false));
    }

    static Stream<Arguments> engineCases() {
        return TernHarness.ENGINES.stream().flatMap(e -> cases().stream().map(c -> Arguments.of(e, c)));
    }

    @BeforeAll
    void seed(@TempDir Path dir) throws Exception {
        for (String engine : TernHarness.ENGINES) {
            TernServer server = TernHarness.start(dir.resolve(engine), engine);
            Client client = TernHarness.client(server);
            KV kv = client.getKVClient();
            kv.put(bs("a"), bs("1")).get();
            kv.put(bs("b"), bs("2")).get();
            kv.put(bs("c"), bs("3")).get();
            kv.put(bs("foo"), bs("x")).get();
            kv.put(bs("foo1"), bs("yy")).get();
            kv.put(bs("foo2"), bs("z")).get();
            kv.put(bs("b"), bs("22")).get();
            kv.delete(bs("c")).get();
            long rev = kv.put(bs("zoo"), bs("q")).get().getHeader().getRevision();
            assertThat(rev).as("revision after seeding " + engine).isEqualTo(10);
            servers.put(engine, server);
            clients.put(engine, client);
        }
    }

    @AfterAll
    void stop() {
        clients.values().forEach(Client::close);
        servers.values().forEach(TernServer::close);
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("engineCases")
    void range(String engine, Case c) throws Exception {
        GetResponse r = clients.get(engine).getKVClient()
                .get(bs(c.key()), c.options().apply(GetOption.builder()).build()).get();
        List<String> got = r.getKvs().stream().map(kv -> str(kv.getKey()) + "=" + str(kv.getValue())).toList();
        assertThat(got).isEqualTo(c.expected());
        assertThat(r.getCount()).as("count").isEqualTo(c.count());
        assertThat(r.isMore()).as("more").isEqualTo(c.more());
        assertThat(r.getHeader().getRevision()).as("header revision is the current one").isEqualTo(10);
        assertThat(r.getHeader().getMemberId()).isNotZero();
        assertThat(r.getHeader().getClusterId()).isNotZero();
        assertThat(r.getHeader().getRaftTerm()).isPositive();
    }

    @ParameterizedTest
    @MethodSource("engines")
    void versionsAndRevisionsOfAKey(String engine) throws Exception {
        var b = clients.get(engine).getKVClient().get(bs("b")).get().getKvs().get(0);
        assertThat(b.getCreateRevision()).isEqualTo(3);
        assertThat(b.getModRevision()).isEqualTo(8);
        assertThat(b.getVersion()).isEqualTo(2);
        assertThat(b.getLease()).isZero();
    }

    static Stream<String> engines() {
        return TernHarness.ENGINES.stream();
    }
}
