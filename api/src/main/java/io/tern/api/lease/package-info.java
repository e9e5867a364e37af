/** etcd's leases: grants, keep-alives and expiry decided by the leader and carried out through the log. */
package io.tern.api.lease;
