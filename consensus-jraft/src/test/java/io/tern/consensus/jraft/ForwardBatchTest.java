package io.tern.consensus.jraft;

import io.tern.spi.consensus.ConsensusException;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The forwarded-batch codec keeps every command and every outcome, in order, failures with their reason. */
class ForwardBatchTest {

    @Test
    void requestsAndRepliesSurviveTheWire() {
        List<byte[]> commands = List.of(new byte[0], "put".getBytes(StandardCharsets.UTF_8), new byte[70_000]);
        assertThat(ForwardBatch.commands(ForwardBatch.request(commands))).containsExactlyElementsOf(commands);

        List<ForwardBatch.Outcome> outcomes = List.of(
                ForwardBatch.Outcome.applied(42, "r".getBytes(StandardCharsets.UTF_8)),
                ForwardBatch.Outcome.failed(new ConsensusException(ConsensusException.Reason.NOT_LEADER, "Is not leader.")),
                ForwardBatch.Outcome.applied(43, new byte[0]));
        List<ForwardBatch.Outcome> back = ForwardBatch.outcomes(ForwardBatch.reply(outcomes));
        assertThat(back).hasSize(3);
        assertThat(back.get(0).index()).isEqualTo(42);
        assertThat(back.get(0).result()).isEqualTo("r".getBytes(StandardCharsets.UTF_8));
        assertThat(back.get(1).failure().reason()).isEqualTo(ConsensusException.Reason.NOT_LEADER);
        assertThat(back.get(1).failure().getMessage()).isEqualTo("Is not leader.");
        assertThat(back.get(2).index()).isEqualTo(43);
        assertThat(back.get(2).result()).isEmpty();
    }
}
