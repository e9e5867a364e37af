package io.tern.server;

import java.time.Duration;

/** Retries an assertion until it holds or time runs out; the last failure is what the test reports. */
public final class Eventually {
    public interface Check {
        void run() throws Exception;
    }

    private Eventually() {
    }

    public static void within(Duration limit, Check check) throws Exception {
        long end = System.nanoTime() + limit.toNanos();
        while (true) {
            try {
                check.run();
                return;
            } catch (AssertionError | Exception e) {
                if (System.nanoTime() > end) {
                    throw e;
                }
                Thread.sleep(50);
            }
        }
    }
}
