/** Robustness: recorded workloads under faults and bad input, checked against etcd's guarantees. */
package io.tern.server.robust;
