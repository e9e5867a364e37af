/** Named places compiled into the code where a test makes a member crash or stall; inert unless enabled. */
package io.tern.spi.failpoint;
