/** The replicated log that orders every write, and the state machine it drives. */
package io.tern.spi.consensus;
