/** Server configuration: etcd's flags and ETCD_* environment variables, parsed into typed settings. */
package io.tern.server.config;
