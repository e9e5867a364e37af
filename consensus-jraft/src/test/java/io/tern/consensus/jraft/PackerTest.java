package io.tern.consensus.jraft;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The packed-entry codec: round trips, how a single command is told from a pack, and what it refuses. */
class PackerTest {

    record RoundTrip(String name, List<byte[]> commands) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<RoundTrip> roundTrips() {
        return Stream.of(
                new RoundTrip("one command", List.of(bytes("put"))),
                new RoundTrip("two commands", List.of(bytes("a"), bytes("bb"))),
                new RoundTrip("a command holding zero bytes after its first", List.of(new byte[] {1, 0, 0, 0}, bytes("x"))),
                new RoundTrip("a large command", List.of(bytes("small"), filled(70_000, (byte) 7))),
                new RoundTrip("many commands", java.util.stream.IntStream.range(0, 500)
                        .mapToObj(i -> bytes("c" + i)).toList()));
    }

    @ParameterizedTest
    @MethodSource("roundTrips")
    void commandsComeBackInOrder(RoundTrip t) {
        ByteBuffer entry = Packer.encode(t.commands().stream()
                .map(c -> new ProposalClosure.Proposal(c, (r, i, s) -> { })).toList());
        assertThat(Packer.packed(entry)).isTrue();
        assertThat(Packer.commands(entry, 9)).containsExactlyElementsOf(t.commands());
        assertThat(entry.remaining()).as("reading leaves the entry as it was").isEqualTo(entry.capacity());
    }

    @Test
    void aSingleCommandIsNotAPack() {
        assertThat(Packer.packed(ByteBuffer.wrap(bytes("put")))).isFalse();
        // Commands in the api's encoding start with a protobuf tag, never zero.
        assertThat(Packer.packed(ByteBuffer.wrap(new byte[] {0x0a, 0, 0}))).isFalse();
    }

    record Malformed(String name, byte[] entry, String message) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Malformed> malformed() {
        ByteBuffer good = Packer.encode(List.of(new ProposalClosure.Proposal(bytes("ab"), (r, i, s) -> { }),
                new ProposalClosure.Proposal(bytes("cd"), (r, i, s) -> { })));
        byte[] ok = new byte[good.remaining()];
        good.get(ok);
        byte[] version = ok.clone();
        version[1] = 2;
        byte[] zeroCount = ok.clone();
        zeroCount[5] = 0;
        byte[] hugeLength = ok.clone();
        hugeLength[9] = 100;
        byte[] trailing = java.util.Arrays.copyOf(ok, ok.length + 1);
        return Stream.of(
                new Malformed("an unknown version", version, "pack version 2 unknown"),
                new Malformed("no commands", zeroCount, "count 0"),
                new Malformed("a length past the end", hugeLength, "has length 100"),
                new Malformed("bytes after the last command", trailing, "1 bytes after 2 commands"),
                new Malformed("cut short", java.util.Arrays.copyOf(ok, ok.length - 1), "command 1 of 2"),
                new Malformed("only a mark", new byte[] {0}, "no pack header"));
    }

    @ParameterizedTest
    @MethodSource("malformed")
    void aMalformedPackFailsNamingTheEntry(Malformed m) {
        assertThatThrownBy(() -> Packer.commands(ByteBuffer.wrap(m.entry()), 77))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("log entry 77")
                .hasMessageContaining(m.message());
    }

    @Test
    void commandsThatCouldPassForAPackAreRefusedAndNothingIsAppended() {
        Packer packer = new Packer(() -> {
            throw new AssertionError("nothing may be appended");
        });
        ProposalClosure.Done none = (r, i, s) -> {
            throw new AssertionError("no outcome for a refused batch");
        };
        assertThatThrownBy(() -> packer.apply(List.of(new ProposalClosure.Proposal(bytes("ok"), none),
                new ProposalClosure.Proposal(new byte[0], none)))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> packer.apply(List.of(new ProposalClosure.Proposal(new byte[] {0, 1}, none))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0x00");
    }

    @Test
    void withoutARunningMemberEveryProposalFailsAsNotAppended() {
        Packer packer = new Packer(() -> null);
        List<String> outcomes = new java.util.ArrayList<>();
        List<ProposalClosure.Proposal> batch = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
            batch.add(new ProposalClosure.Proposal(bytes("c" + i), (r, index, s) -> outcomes.add(s.getErrorMsg())));
        }
        packer.apply(batch);
        assertThat(outcomes).hasSize(3).allMatch(m -> m.startsWith("Is not leader"));
    }

    @Test
    void aWindowWithoutRoomForAnEntryIsRefused() {
        assertThatThrownBy(() -> new Packer(() -> null, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least one entry");
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] filled(int n, byte b) {
        byte[] out = new byte[n];
        java.util.Arrays.fill(out, b);
        return out;
    }
}
