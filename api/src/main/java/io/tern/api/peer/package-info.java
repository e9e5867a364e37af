/** Requests one member's API layer sends another's (mostly the leader's), over the consensus engine's peer channel. */
package io.tern.api.peer;
