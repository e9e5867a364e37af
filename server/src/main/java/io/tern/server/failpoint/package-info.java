/** Failpoints enabled by a test at start-up ({@code -Dtern.failpoints=...}), parsed into the points the member passes in. */
package io.tern.server.failpoint;
