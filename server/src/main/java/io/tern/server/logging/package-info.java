/** Logging: java.util.logging set up from the logging flags to write etcd's (zap's) JSON lines. */
package io.tern.server.logging;
