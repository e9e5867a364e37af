/** The KV service's semantics: etcd's request checks, transactions, and the path from request to consensus and back. */
package io.tern.api.kv;
