package io.tern.consensus.jraft;

import static io.tern.consensus.jraft.JRaftConsensusEngineTest.awaitLeader;
import static io.tern.consensus.jraft.JRaftConsensusEngineTest.config;
import static io.tern.consensus.jraft.JRaftConsensusEngineTest.freePort;
import static org.assertj.core.api.Assertions.assertThat;

import io.tern.spi.consensus.ConsensusEngine;
import io.tern.spi.consensus.PeerCalls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Reads the options RocksDB recorded for a real member's raft log. */
class LogMemtablesTest {
    @TempDir
    static Path dir;
    private static String options;

    record Case(String option, long expected) {
        @Override
        public String toString() {
            return option + "=" + expected;
        }
    }

    static Stream<Case> cases() {
        return Stream.of(new Case("write_buffer_size", LogMemtables.WRITE_BUFFER_BYTES),
                new Case("max_write_buffer_number", LogMemtables.MAX_WRITE_BUFFERS),
                new Case("min_write_buffer_number_to_merge", 1));
    }

    @BeforeAll
    static void runAMember() throws Exception {
        try (ConsensusEngine engine = new JRaftConsensusProvider().create(config(dir, freePort()),
                new JRaftConsensusEngineTest.Recorder(0), PeerCalls.NONE)) {
            engine.start();
            awaitLeader(engine);
        }
        options = newestOptionsFile(dir.resolve("log"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void everyColumnFamilyOfTheRaftLogHasTheBoundedMemtables(Case c) {
        List<String> values = new ArrayList<>();
        String prefix = c.option() + "=";
        for (String line : options.split("\n")) {
            if (line.strip().startsWith(prefix)) {
                values.add(line.strip().substring(prefix.length()));
            }
        }
        assertThat(values).as("%s in each column family section", c.option()).hasSizeGreaterThanOrEqualTo(2)
                .allMatch(v -> v.equals(Long.toString(c.expected())));
    }

    private static String newestOptionsFile(Path log) throws IOException {
        try (Stream<Path> files = Files.list(log)) {
            Path newest = files.filter(p -> p.getFileName().toString().startsWith("OPTIONS-"))
                    .max(Comparator.comparing(p -> p.getFileName().toString()))
                    .orElseThrow(() -> new AssertionError("no RocksDB OPTIONS file under " + log));
            return Files.readString(newest);
        }
    }
}
