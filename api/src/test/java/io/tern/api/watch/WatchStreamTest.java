package io.tern.api.watch;

import com.google.protobuf.ByteString;
import io.tern.api.proto.etcdserverpb.ResponseHeader;
import io.tern.api.proto.etcdserverpb.WatchResponse;
import io.tern.api.proto.mvccpb.Event;
import io.tern.api.proto.mvccpb.KeyValue;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** etcd's fragmenting of large watch responses. */
class WatchStreamTest {
    record Split(String name, int events, int valueBytes, int limit, int expectedParts) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Split> splits() {
        return List.of(
                new Split("fits: one part", 3, 100, 10_000, 1),
                new Split("one event per part", 4, 1000, 1500, 4),
                new Split("two per part", 6, 1000, 2500, 3),
                new Split("an event over the limit still goes alone", 2, 5000, 1000, 2));
    }

    @ParameterizedTest
    @MethodSource("splits")
    void fragmentsKeepEveryEventInOrderAndMarkAllButTheLast(Split c) {
        WatchResponse.Builder whole = WatchResponse.newBuilder().setWatchId(3)
                .setHeader(ResponseHeader.newBuilder().setRevision(99));
        for (int i = 0; i < c.events(); i++) {
            whole.addEvents(Event.newBuilder().setKv(KeyValue.newBuilder().setKey(ByteString.copyFromUtf8("k" + i))
                    .setModRevision(i + 1).setValue(ByteString.copyFromUtf8("v".repeat(c.valueBytes())))));
        }
        List<WatchResponse> parts = WatchStream.fragments(whole.build(), c.limit());
        assertThat(parts).hasSize(c.expectedParts());
        for (int i = 0; i < parts.size(); i++) {
            WatchResponse p = parts.get(i);
            assertThat(p.getFragment()).isEqualTo(i < parts.size() - 1);
            assertThat(p.getWatchId()).isEqualTo(3);
            assertThat(p.getHeader().getRevision()).isEqualTo(99);
            assertThat(p.getEventsCount()).isPositive();
        }
        assertThat(parts.stream().flatMap(p -> p.getEventsList().stream()).map(e -> e.getKv().getModRevision()))
                .containsExactlyElementsOf(whole.getEventsList().stream().map(e -> e.getKv().getModRevision()).toList());
    }
}
