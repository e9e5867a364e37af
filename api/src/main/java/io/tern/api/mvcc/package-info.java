/** etcd's multi-version key space (revisions, generations, compaction) laid out on an ordered storage engine. */
package io.tern.api.mvcc;
