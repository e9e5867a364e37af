package io.tern.server;

import io.etcd.jetcd.Client;
import io.grpc.StatusRuntimeException;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.common.exception.EtcdException;
import io.etcd.jetcd.options.CompactOption;
import io.etcd.jetcd.options.GetOption;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.stream.Stream;

import static io.tern.server.TernHarness.bs;
import static io.tern.server.TernHarness.str;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/** Compaction's errors and effects, and that the compacted revision and the data survive a restart. */
class CompactionTest {
    static final String COMPACTED = "etcdserver: mvcc: required revision has been compacted";
    static final String FUTURE = "etcdserver: mvcc: required revision is a future revision";

    static Stream<String> engines() {
        return TernHarness.ENGINES.stream();
    }

    @ParameterizedTest
    @MethodSource("engines")
    void compactedRevisionsAreGoneAndStayGoneAfterRestart(String engine, @TempDir Path dir) throws Exception {
        long r1;
        long r2;
        long r3;
        try (TernServer server = TernHarness.start(dir, engine); Client client = TernHarness.client(server)) {
            KV kv = client.getKVClient();
            r1 = kv.put(bs("k"), bs("v1")).get().getHeader().getRevision();
            r2 = kv.put(bs("k"), bs("v2")).get().getHeader().getRevision();
            kv.put(bs("gone"), bs("x")).get();
            kv.delete(bs("gone")).get();
            r3 = kv.put(bs("k"), bs("v3")).get().getHeader().getRevision();

            kv.compact(r2, CompactOption.builder().withCompactPhysical(true).build()).get();
            assertThat(errorOf(() -> kv.get(bs("k"), GetOption.builder().withRevision(r1).build()).get()))
                    .isEqualTo(COMPACTED);
            assertThat(str(kv.get(bs("k"), GetOption.builder().withRevision(r2).build()).get()
                    .getKvs().get(0).getValue())).isEqualTo("v2");
            assertThat(errorOf(() -> kv.compact(r2).get())).isEqualTo(COMPACTED);
            assertThat(errorOf(() -> kv.compact(r1).get())).isEqualTo(COMPACTED);
            assertThat(errorOf(() -> kv.compact(r3 + 100).get())).isEqualTo(FUTURE);
            kv.compact(r3).get();
            assertThat(kv.get(bs("gone")).get().getKvs()).isEmpty();
        }
        try (TernServer server = TernHarness.start(dir, engine); Client client = TernHarness.client(server)) {
            KV kv = client.getKVClient();
            var got = kv.get(bs("k")).get();
            assertThat(str(got.getKvs().get(0).getValue())).isEqualTo("v3");
            assertThat(got.getKvs().get(0).getVersion()).isEqualTo(3);
            assertThat(got.getHeader().getRevision()).isEqualTo(r3);
            assertThat(errorOf(() -> kv.get(bs("k"), GetOption.builder().withRevision(r2).build()).get()))
                    .isEqualTo(COMPACTED);
            long next = kv.put(bs("k"), bs("v4")).get().getHeader().getRevision();
            assertThat(next).isEqualTo(r3 + 1);
        }
    }

    interface Call {
        Object run() throws Exception;
    }

    static String errorOf(Call call) {
        Throwable t = catchThrowable(call::run);
        assertThat(t).isInstanceOf(ExecutionException.class);
        // jetcd hands some server errors over as its EtcdException, others as the raw gRPC status.
        if (t.getCause() instanceof StatusRuntimeException s) {
            return s.getStatus().getDescription();
        }
        assertThat(t.getCause()).isInstanceOf(EtcdException.class);
        return t.getCause().getMessage();
    }
}
