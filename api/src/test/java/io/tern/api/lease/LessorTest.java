package io.tern.api.lease;

import io.tern.api.error.EtcdError;
import io.tern.api.error.EtcdException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The lessor on a hand-driven clock. */
class LessorTest {
    private static final long S = 1_000_000_000L;
    private final AtomicLong now = new AtomicLong(1_000 * S);
    private final Lessor lessor = new Lessor(now::get);

    record Remaining(String name, long ttl, long elapsedMillis, long expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Remaining> remaining() {
        return List.of(
                new Remaining("just granted", 10, 0, 10),
                new Remaining("a moment later truncates", 10, 1, 9),
                new Remaining("half way", 10, 5_000, 5),
                new Remaining("at the deadline", 10, 10_000, 0),
                new Remaining("past the deadline", 10, 12_000, 0));
    }

    @ParameterizedTest
    @MethodSource("remaining")
    void remainingTtlIsWholeSecondsTruncated(Remaining c) {
        lessor.promote(Duration.ZERO);
        lessor.granted(1, c.ttl());
        now.addAndGet(c.elapsedMillis() * 1_000_000);
        assertThat(lessor.remainingTtl(1)).isEqualTo(c.expected());
        assertThat(lessor.grantedTtl(1)).isEqualTo(c.ttl());
    }

    @Test
    void nothingExpiresUntilPromotedAndPromotionRestartsEveryTtl() {
        lessor.reset(Map.of(1L, 5L, 2L, 50L));
        now.addAndGet(100 * S);
        assertThat(lessor.takeExpired(10)).isEmpty();
        assertThat(lessor.remainingTtl(1)).as("not primary: full TTL").isEqualTo(5);
        lessor.promote(Duration.ofSeconds(1));
        now.addAndGet(5 * S);
        assertThat(lessor.takeExpired(10)).as("the election allowance still runs").isEmpty();
        now.addAndGet(S);
        assertThat(lessor.takeExpired(10)).containsExactly(1L);
        lessor.demote();
        now.addAndGet(1000 * S);
        assertThat(lessor.takeExpired(10)).isEmpty();
    }

    @Test
    void renewalPostponesExpiryAndExpiringLeasesCannotBeRenewed() {
        lessor.promote(Duration.ZERO);
        lessor.granted(7, 10);
        now.addAndGet(8 * S);
        assertThat(lessor.renew(7)).isEqualTo(10);
        now.addAndGet(8 * S);
        assertThat(lessor.takeExpired(10)).as("the stale queue entry is skipped").isEmpty();
        now.addAndGet(3 * S);
        assertThat(lessor.takeExpired(10)).containsExactly(7L);
        assertThat(lessor.takeExpired(10)).as("taken once").isEmpty();
        assertThatThrownBy(() -> lessor.renew(7)).isInstanceOfSatisfying(EtcdException.class,
                e -> assertThat(e.error()).isEqualTo(EtcdError.LEASE_NOT_FOUND));
        lessor.expiryFailed(List.of(7L));
        assertThat(lessor.takeExpired(10)).as("due again after a failed proposal").containsExactly(7L);
        lessor.revoked(7);
        assertThat(lessor.exists(7)).isFalse();
    }

    @Test
    void aLeasePastItsDeadlineCannotBeRenewedBack() {
        lessor.promote(Duration.ZERO);
        lessor.granted(3, 5);
        now.addAndGet(6 * S);
        assertThatThrownBy(() -> lessor.renew(3)).isInstanceOfSatisfying(EtcdException.class,
                e -> assertThat(e.error()).isEqualTo(EtcdError.LEASE_NOT_FOUND));
        assertThat(lessor.takeExpired(10)).containsExactly(3L);
    }

    @Test
    void expiredLeasesComeOutEarliestFirstInBatches() {
        lessor.promote(Duration.ZERO);
        for (long id = 1; id <= 5; id++) {
            lessor.granted(id, 10 + (5 - id)); // lease 5 is due first
        }
        now.addAndGet(20 * S);
        assertThat(lessor.takeExpired(2)).containsExactly(5L, 4L);
        assertThat(lessor.takeExpired(10)).containsExactly(3L, 2L, 1L);
        assertThat(lessor.nanosUntilNextExpiry(42)).isEqualTo(42);
    }

    @Test
    void unknownLeasesAreEtcdsNotFound() {
        assertThatThrownBy(() -> lessor.renew(9)).isInstanceOf(EtcdException.class);
        assertThatThrownBy(() -> lessor.remainingTtl(9)).isInstanceOf(EtcdException.class);
        assertThatThrownBy(() -> lessor.grantedTtl(9)).isInstanceOf(EtcdException.class);
    }

    @Test
    void renewalsDoNotGrowTheQueueWithoutBound() {
        lessor.promote(Duration.ZERO);
        lessor.granted(1, 60);
        for (int i = 0; i < 100_000; i++) {
            lessor.renew(1);
        }
        now.addAndGet(61 * S);
        assertThat(lessor.takeExpired(10)).containsExactly(1L);
    }
}
