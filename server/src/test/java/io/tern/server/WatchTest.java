package io.tern.server;

import com.google.protobuf.ByteString;
import io.tern.api.proto.etcdserverpb.CompactionRequest;
import io.tern.api.proto.etcdserverpb.DeleteRangeRequest;
import io.tern.api.proto.etcdserverpb.PutRequest;
import io.tern.api.proto.etcdserverpb.RangeRequest;
import io.tern.api.proto.etcdserverpb.RequestOp;
import io.tern.api.proto.etcdserverpb.TxnRequest;
import io.tern.api.proto.etcdserverpb.WatchCreateRequest;
import io.tern.api.proto.etcdserverpb.WatchResponse;
import io.tern.api.proto.mvccpb.Event;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;

import static io.tern.server.WatchProbe.b;
import static org.assertj.core.api.Assertions.assertThat;

/** Watch semantics on the wire, as etcd's clients see them, on every engine. */
class WatchTest extends PerEngineTest {
    static ByteString prefixEnd(String p) {
        byte[] x = p.getBytes();
        x[x.length - 1]++;
        return ByteString.copyFrom(x);
    }

    static WatchCreateRequest.Builder prefix(String p) {
        return WatchCreateRequest.newBuilder().setKey(b(p)).setRangeEnd(prefixEnd(p));
    }

    long put(RawClient c, String k, String v) {
        return c.kv().put(PutRequest.newBuilder().setKey(b(k)).setValue(b(v)).build()).getHeader().getRevision();
    }

    long delete(RawClient c, String k) {
        return c.kv().deleteRange(DeleteRangeRequest.newBuilder().setKey(b(k)).build()).getHeader().getRevision();
    }

    static List<Event> events(List<WatchResponse> rs) {
        List<Event> out = new ArrayList<>();
        rs.forEach(r -> out.addAll(r.getEventsList()));
        return out;
    }

    @ParameterizedTest
    @MethodSource("engines")
    void liveEventsCarryPrevKvAndCreateFlags(String engine) {
        RawClient c = servers.raw(engine);
        try (WatchProbe w = c.watch()) {
            long id = w.create(prefix("live/").setPrevKv(true)).created();
            long r1 = put(c, "live/a", "v1");
            long r2 = put(c, "live/a", "v2");
            long r3 = delete(c, "live/a");
            List<WatchResponse> rs = w.untilEvents(3);
            assertThat(rs).allSatisfy(r -> assertThat(r.getWatchId()).isEqualTo(id));
            List<Event> ev = events(rs);
            assertThat(ev.get(0).getType()).isEqualTo(Event.EventType.PUT);
            assertThat(ev.get(0).getKv().getCreateRevision()).isEqualTo(r1);
            assertThat(ev.get(0).getKv().getModRevision()).isEqualTo(r1);
            assertThat(ev.get(0).getKv().getVersion()).isEqualTo(1);
            assertThat(ev.get(0).hasPrevKv()).isFalse();
            assertThat(ev.get(1).getKv().getModRevision()).isEqualTo(r2);
            assertThat(ev.get(1).getKv().getVersion()).isEqualTo(2);
            assertThat(ev.get(1).getPrevKv().getValue().toStringUtf8()).isEqualTo("v1");
            assertThat(ev.get(2).getType()).isEqualTo(Event.EventType.DELETE);
            assertThat(ev.get(2).getKv().getKey().toStringUtf8()).isEqualTo("live/a");
            assertThat(ev.get(2).getKv().getModRevision()).isEqualTo(r3);
            assertThat(ev.get(2).getPrevKv().getValue().toStringUtf8()).isEqualTo("v2");
            assertThat(rs.get(rs.size() - 1).getHeader().getRevision()).isEqualTo(r3);
        }
    }

    @ParameterizedTest
    @MethodSource("engines")
    void historyReplaysThenGoesLive(String engine) {
        RawClient c = servers.raw(engine);
        long first = put(c, "hist/a", "1");
        put(c, "other", "x");
        put(c, "hist/b", "2");
        delete(c, "hist/a");
        try (WatchProbe w = c.watch()) {
            w.create(prefix("hist/").setStartRevision(first)).created();
            List<Event> ev = events(w.untilEvents(3));
            assertThat(ev).extracting(e -> e.getType() + " " + e.getKv().getKey().toStringUtf8())
                    .containsExactly("PUT hist/a", "PUT hist/b", "DELETE hist/a");
            long live = put(c, "hist/c", "3");
            Event e = events(w.untilEvents(1)).get(0);
            assertThat(e.getKv().getModRevision()).isEqualTo(live);
        }
    }

    @ParameterizedTest
    @MethodSource("engines")
    void rangesFromKeyAndSingleKey(String engine) {
        RawClient c = servers.raw(engine);
        try (WatchProbe single = c.watch(); WatchProbe fromKey = c.watch()) {
            single.create(WatchCreateRequest.newBuilder().setKey(b("zz/single"))).created();
            fromKey.create(WatchCreateRequest.newBuilder().setKey(b("zz/m")).setRangeEnd(ByteString.copyFrom(new byte[] {0})))
                    .created();
            put(c, "zz/a", "1");
            put(c, "zz/single", "2");
            put(c, "zz/z", "3");
            assertThat(events(single.untilEvents(1))).extracting(e -> e.getKv().getKey().toStringUtf8())
                    .containsExactly("zz/single");
            assertThat(events(fromKey.untilEvents(2))).extracting(e -> e.getKv().getKey().toStringUtf8())
                    .containsExactly("zz/single", "zz/z");
        }
    }

    @ParameterizedTest
    @MethodSource("engines")
    void filtersDropPutsOrDeletes(String engine) {
        RawClient c = servers.raw(engine);
        try (WatchProbe noPut = c.watch(); WatchProbe noDelete = c.watch()) {
            noPut.create(prefix("filt/").addFilters(WatchCreateRequest.FilterType.NOPUT)).created();
            noDelete.create(prefix("filt/").addFilters(WatchCreateRequest.FilterType.NODELETE)).created();
            put(c, "filt/a", "1");
            delete(c, "filt/a");
            put(c, "filt/b", "2");
            assertThat(events(noPut.untilEvents(1))).extracting(Event::getType).containsExactly(Event.EventType.DELETE);
            assertThat(events(noDelete.untilEvents(2))).extracting(Event::getType)
                    .containsExactly(Event.EventType.PUT, Event.EventType.PUT);
        }
    }

    @ParameterizedTest
    @MethodSource("engines")
    void txnEventsArriveInOneResponse(String engine) {
        RawClient c = servers.raw(engine);
        try (WatchProbe w = c.watch()) {
            w.create(prefix("txn/")).created();
            TxnRequest.Builder t = TxnRequest.newBuilder();
            for (String k : List.of("txn/a", "txn/b", "txn/c")) {
                t.addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(b(k)).setValue(b("v"))));
            }
            long rev = c.kv().txn(t.build()).getHeader().getRevision();
            WatchResponse r = w.next();
            assertThat(r.getEventsList()).hasSize(3).allSatisfy(e -> assertThat(e.getKv().getModRevision()).isEqualTo(rev));
        }
    }

    @ParameterizedTest
    @MethodSource("engines")
    void watchIdsAndRefusals(String engine) throws Exception {
        RawClient c = servers.raw(engine);
        try (WatchProbe w = c.watch()) {
            assertThat(w.create(prefix("ids/").setWatchId(7)).created()).isEqualTo(7);
            WatchResponse dup = w.create(prefix("ids/").setWatchId(7)).next();
            assertThat(dup.getCreated()).isTrue();
            assertThat(dup.getCanceled()).isTrue();
            assertThat(dup.getWatchId()).isEqualTo(-1);
            assertThat(dup.getCancelReason()).isEqualTo("mvcc: duplicate watch ID provided on the WatchStream");
            WatchResponse empty = w.create(WatchCreateRequest.newBuilder().setKey(b("b")).setRangeEnd(b("a"))).next();
            assertThat(empty.getCanceled()).isTrue();
            assertThat(empty.getCancelReason()).isEqualTo("mvcc: watcher range is empty");
            assertThat(w.create(prefix("ids/")).created()).isEqualTo(0);
            assertThat(w.create(prefix("ids/")).created()).isEqualTo(1);

            w.cancel(7);
            WatchResponse canceled = w.next();
            assertThat(canceled.getCanceled()).isTrue();
            assertThat(canceled.getWatchId()).isEqualTo(7);
            w.cancel(12345); // unknown: etcd answers nothing
            w.quiet(200);
        }
    }

    @ParameterizedTest
    @MethodSource("engines")
    void progressRequestReportsTheRevisionReached(String engine) {
        RawClient c = servers.raw(engine);
        try (WatchProbe w = c.watch()) {
            w.create(prefix("prog/")).created();
            long rev = put(c, "elsewhere", "x");
            w.progress();
            WatchResponse r = w.next();
            assertThat(r.getWatchId()).isEqualTo(-1);
            assertThat(r.getEventsCount()).isZero();
            assertThat(r.getHeader().getRevision()).isGreaterThanOrEqualTo(rev);
        }
    }

    @ParameterizedTest
    @MethodSource("engines")
    void largeResponsesAreFragmentedOnRequest(String engine) {
        RawClient c = servers.raw(engine);
        String big = "x".repeat(1024 * 1024);
        long first = put(c, "frag/0", big);
        for (int i = 1; i < 4; i++) {
            put(c, "frag/" + i, big);
        }
        try (WatchProbe whole = c.watch(); WatchProbe parts = c.watch()) {
            whole.create(prefix("frag/").setStartRevision(first)).created();
            assertThat(whole.next().getEventsCount()).isEqualTo(4);

            parts.create(prefix("frag/").setStartRevision(first).setFragment(true)).created();
            List<WatchResponse> rs = parts.untilEvents(4);
            assertThat(rs.size()).isGreaterThan(1);
            for (int i = 0; i < rs.size(); i++) {
                assertThat(rs.get(i).getFragment()).isEqualTo(i < rs.size() - 1);
                assertThat(rs.get(i).getSerializedSize()).isLessThan(3 * 1024 * 1024);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("engines")
    void compactedStartIsCanceledWithTheCompactRevision(String engine) {
        RawClient c = servers.raw(engine);
        long before = put(c, "cmp/a", "1");
        long at = put(c, "cmp/a", "2");
        put(c, "cmp/a", "3");
        c.kv().compact(CompactionRequest.newBuilder().setRevision(at).build());
        try (WatchProbe w = c.watch()) {
            long id = w.create(prefix("cmp/").setStartRevision(before)).created();
            WatchResponse r = w.next();
            assertThat(r.getWatchId()).isEqualTo(id);
            assertThat(r.getCanceled()).isTrue();
            assertThat(r.getCompactRevision()).isEqualTo(at);
            assertThat(r.getCancelReason()).isEqualTo("etcdserver: mvcc: required revision has been compacted");

            // Resuming from the compact revision itself works, as on etcd.
            w.create(prefix("cmp/").setStartRevision(at)).created();
            assertThat(events(w.untilEvents(2))).extracting(e -> e.getKv().getValue().toStringUtf8())
                    .containsExactly("2", "3");
        }
        assertThat(c.kv().range(RangeRequest.newBuilder().setKey(b("cmp/a")).build()).getKvs(0).getValue())
                .isEqualTo(b("3"));
    }
}
