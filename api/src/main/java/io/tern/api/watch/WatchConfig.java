package io.tern.api.watch;

import java.time.Duration;

/**
 * Watch settings.
 *
 * @param progressInterval     how often watchers that asked for progress notifications get one when idle
 *                             ({@code --experimental-watch-progress-notify-interval}, etcd 3.5: 10 min)
 * @param fragmentBytes        responses at least this large are split for watchers that allow fragments
 *                             (etcd: the request limit plus 512 KiB)
 * @param streamBufferBytes    encoded responses a stream may hold for a slow client before its watchers fall
 *                             back to catching up from storage
 * @param catchUpChanges       most stored changes one catch-up round reads (cut at a revision boundary)
 * @param controlStall         longest a request may wait for room among the unsent answers while the stream
 *                             sends nothing (its client reads nothing); past it the stream ends with "too many
 *                             requests" (Tern's own bound: etcd waits for ever, and with HTTP/2 in Helidon the
 *                             wait stops the whole connection)
 */
public record WatchConfig(Duration progressInterval, int fragmentBytes, long streamBufferBytes, int catchUpChanges,
                          Duration controlStall) {
    public WatchConfig {
        if (progressInterval.isNegative() || progressInterval.isZero() || fragmentBytes < 1
                || streamBufferBytes < 1 || catchUpChanges < 1 || controlStall.isNegative() || controlStall.isZero()) {
            throw new IllegalArgumentException("bad watch settings: " + progressInterval + ", " + fragmentBytes
                    + ", " + streamBufferBytes + ", " + catchUpChanges + ", " + controlStall);
        }
    }

    public static WatchConfig defaults(int maxRequestBytes) {
        return new WatchConfig(Duration.ofMinutes(10), maxRequestBytes + 512 * 1024, 8L << 20, 10_000,
                Duration.ofSeconds(10));
    }

    public WatchConfig withProgressInterval(Duration interval) {
        return new WatchConfig(interval, fragmentBytes, streamBufferBytes, catchUpChanges, controlStall);
    }
}
