package io.tern.server;

import java.time.Duration;

/** Retries an assertion until it holds or time runs out; the last failure is what the test reports. */
final class Eventually {
    interface Check {
        void run() throws Exception;
    }

    private Eventually() {
    }

    static void within(Duration limit, Check check) throws Exception {
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
