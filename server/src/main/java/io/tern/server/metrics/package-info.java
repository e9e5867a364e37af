/** etcd's Prometheus metrics, under etcd's names, and the /metrics page. */
package io.tern.server.metrics;
