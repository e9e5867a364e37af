package io.tern.server.history;

import static io.tern.server.history.HistoryBuilder.history;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class RegisterStateTest {

    private static final RegisterState ABSENT_AT_4 = new RegisterState(null, 0, 4);
    private static final RegisterState A_AT_4 = new RegisterState("a", 4, 4);
    /** 'a' written by an indeterminate call after revision 4: its revision is at least 5. */
    private static final RegisterState A_UNKNOWN = new RegisterState("a", -5, 5);

    /** {@code after == null}: the operation cannot take effect in {@code before}. */
    record Step(String name, RegisterState before, Operation op, RegisterState after) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static Operation only(HistoryBuilder b) {
        return b.operations().getFirst();
    }

    static Stream<Step> steps() {
        return Stream.of(
                new Step("put above the floor", A_AT_4, only(history().put(0, 0, 1, "k", "b", 5)),
                        new RegisterState("b", 5, 5)),
                new Step("put at the floor", A_AT_4, only(history().put(0, 0, 1, "k", "b", 4)), null),
                new Step("get of the value and its revision", A_AT_4, only(history().get(0, 0, 1, "k", "a", 4, 9)),
                        new RegisterState("a", 4, 9)),
                new Step("get of another value", A_AT_4, only(history().get(0, 0, 1, "k", "b", 4, 9)), null),
                new Step("get of another mod revision", A_AT_4, only(history().get(0, 0, 1, "k", "a", 3, 9)), null),
                new Step("get served below the floor", A_AT_4, only(history().get(0, 0, 1, "k", "a", 4, 3)), null),
                new Step("get absent", ABSENT_AT_4, only(history().getAbsent(0, 0, 1, "k", 4)), ABSENT_AT_4),
                new Step("get binds an unknown mod revision", A_UNKNOWN, only(history().get(0, 0, 1, "k", "a", 7, 8)),
                        new RegisterState("a", 7, 8)),
                new Step("get of an unknown mod revision below its bound", A_UNKNOWN,
                        only(history().get(0, 0, 1, "k", "a", 4, 8)), null),
                new Step("cas that held", A_AT_4, only(history().cas(0, 0, 1, "k", "a", "b", 5)),
                        new RegisterState("b", 5, 5)),
                new Step("cas that cannot have held", A_AT_4, only(history().cas(0, 0, 1, "k", "z", "b", 5)), null),
                new Step("cas from absent", ABSENT_AT_4, only(history().cas(0, 0, 1, "k", null, "b", 5)),
                        new RegisterState("b", 5, 5)),
                new Step("cas that failed rightly", A_AT_4, only(history().casFailed(0, 0, 1, "k", "z", "b", 6)),
                        new RegisterState("a", 4, 6)),
                new Step("cas that failed though it held", A_AT_4,
                        only(history().casFailed(0, 0, 1, "k", "a", "b", 6)), null),
                new Step("delete", A_AT_4, only(history().delete(0, 0, 1, "k", 5)), new RegisterState(null, 0, 5)),
                new Step("delete of an absent key", ABSENT_AT_4, only(history().delete(0, 0, 1, "k", 5)), null),
                new Step("delete finding nothing", ABSENT_AT_4, only(history().deleteNothing(0, 0, 1, "k", 4)),
                        ABSENT_AT_4),
                new Step("delete finding nothing where a value is", A_AT_4,
                        only(history().deleteNothing(0, 0, 1, "k", 4)), null),
                new Step("indeterminate put", A_AT_4, only(history().putIndeterminate(0, 0, "k", "b")),
                        new RegisterState("b", -5, 5)),
                new Step("indeterminate cas whose compare holds", A_AT_4,
                        only(history().casIndeterminate(0, 0, "k", "a", "b")), new RegisterState("b", -5, 5)),
                new Step("indeterminate cas whose compare fails changes nothing", A_AT_4,
                        only(history().casIndeterminate(0, 0, "k", "z", "b")), A_AT_4),
                new Step("indeterminate delete", A_AT_4, only(history().deleteIndeterminate(0, 0, "k")),
                        new RegisterState(null, 0, 5)),
                new Step("indeterminate delete of an absent key changes nothing", ABSENT_AT_4,
                        only(history().deleteIndeterminate(0, 0, "k")), ABSENT_AT_4));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("steps")
    void transitions(Step step) {
        assertThat(step.before().after(step.op())).isEqualTo(step.after());
        if (step.after() == null) {
            assertThat(step.before().refusal(step.op())).isNotBlank();
        } else {
            assertThat(step.before().refusal(step.op())).isNull();
        }
    }
}
