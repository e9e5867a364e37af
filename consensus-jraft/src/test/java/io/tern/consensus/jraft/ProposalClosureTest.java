package io.tern.consensus.jraft;

import com.alipay.sofa.jraft.Status;
import com.alipay.sofa.jraft.error.RaftError;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** What each proposal of an entry hears, and that the packer always hears the entry finish, once. */
class ProposalClosureTest {

    /** One way an entry of two proposals can end, and what each proposal then hears. */
    record Ending(String name, List<Object> results, Status status, List<String> heard) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Ending> endings() {
        return Stream.of(
                new Ending("applied", List.of("r0", "r1"), Status.OK(), List.of("r0@7 OK", "r1@7 OK")),
                new Ending("refused by jraft", null, new Status(RaftError.EPERM, "Is not leader"),
                        List.of("null@0 Is not leader", "null@0 Is not leader")),
                new Ending("fewer results than proposals", List.of("r0"), Status.OK(),
                        List.of("null@0 entry 7 carried 1 commands, 2 were proposed",
                                "null@0 entry 7 carried 1 commands, 2 were proposed")),
                new Ending("OK without results", null, Status.OK(),
                        List.of("null@0 entry applied without results", "null@0 entry applied without results")));
    }

    @ParameterizedTest
    @MethodSource("endings")
    void everyProposalHearsAndTheEntryFinishesOnce(Ending e) {
        List<String> heard = new ArrayList<>();
        ProposalClosure.Done done = (result, index, status) ->
                heard.add(result + "@" + index + " " + (status.isOk() ? "OK" : status.getErrorMsg()));
        AtomicInteger finished = new AtomicInteger();
        ProposalClosure closure = new ProposalClosure(List.of(new ProposalClosure.Proposal(new byte[] {1}, done),
                new ProposalClosure.Proposal(new byte[] {2}, done)), finished::incrementAndGet);
        if (e.results() != null) {
            closure.applied(e.results(), 7);
        }
        closure.run(e.status());
        assertThat(heard).containsExactlyElementsOf(e.heard());
        assertThat(finished).hasValue(1);
    }
}
