/** etcd's server-side Lock and Election services, built on leases, revisions and watches. */
package io.tern.api.concurrency;
