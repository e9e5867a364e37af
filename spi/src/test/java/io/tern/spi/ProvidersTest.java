package io.tern.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tern.spi.storage.StorageProvider;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ProvidersTest {

    /** A provider stand-in: its name, and a tag telling instances with the same name apart. */
    record Fake(String name, int tag) {
    }

    /** Providers on offer, the name asked for, and the tag chosen or the failure expected. */
    record Selection(String title, List<Fake> offered, String wanted, Integer chosenTag,
                     Class<? extends RuntimeException> failure, String message) {
        @Override
        public String toString() {
            return title;
        }
    }

    static Stream<Selection> selections() {
        Fake a = new Fake("alpha", 1);
        Fake b = new Fake("beta", 2);
        Fake b2 = new Fake("beta", 3);
        return Stream.of(
                new Selection("the only provider", List.of(a), "alpha", 1, null, null),
                new Selection("one among several", List.of(b, a), "alpha", 1, null, null),
                new Selection("names are case-sensitive", List.of(a), "Alpha", null,
                        IllegalArgumentException.class, "No storage engine named 'Alpha'; available: alpha"),
                new Selection("an unknown name lists the available ones, sorted", List.of(b, a), "gamma", null,
                        IllegalArgumentException.class, "No storage engine named 'gamma'; available: alpha, beta"),
                new Selection("no providers at all", List.of(), "alpha", null,
                        IllegalArgumentException.class, "No storage engine named 'alpha'; available: (none)"),
                new Selection("two providers with one name", List.of(a, b, b2), "beta", null,
                        IllegalStateException.class, "Several storage engine providers are named 'beta'"),
                new Selection("a duplicate of another name does not matter", List.of(a, b, b2), "alpha", 1,
                        null, null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("selections")
    void selectsByName(Selection s) {
        if (s.failure() == null) {
            Fake chosen = Providers.select(s.offered(), Fake::name, s.wanted(), "storage engine");
            assertThat(chosen.tag()).isEqualTo(s.chosenTag());
        } else {
            assertThatThrownBy(() -> Providers.select(s.offered(), Fake::name, s.wanted(), "storage engine"))
                    .isInstanceOf(s.failure())
                    .hasMessageContaining(s.message());
        }
    }

    @Test
    void findsTheTestEngineThroughItsServicesFile() {
        StorageProvider p = Providers.select(StorageProvider.class, StorageProvider::name, "memory",
                "storage engine", getClass().getClassLoader());
        assertThat(p.name()).isEqualTo("memory");
        assertThat(p.getClass().getName()).isEqualTo("io.tern.spi.storage.memory.MemoryStorageProvider");
    }

    @Test
    void anUnknownNameThroughTheServiceLoaderListsWhatWasFound() {
        assertThatThrownBy(() -> Providers.select(StorageProvider.class, StorageProvider::name, "nope",
                "storage engine", getClass().getClassLoader()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("No storage engine named 'nope'; available: memory");
    }
}
