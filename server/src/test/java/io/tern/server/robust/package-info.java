/** Robustness: recorded workloads under faults, bad input and abusive clients, checked against etcd's guarantees. */
package io.tern.server.robust;
