/** The consensus SPI on SOFAJRaft: proposals batched into log appends, ReadIndex reads, snapshots as storage checkpoints. */
package io.tern.consensus.jraft;
