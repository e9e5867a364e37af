/** etcd's wire errors: one catalogue of gRPC codes and exact messages, and the one mapper every transport uses. */
package io.tern.api.error;
