/** The state machine the replicated log drives: committed requests applied in order to the MVCC store. */
package io.tern.api.apply;
