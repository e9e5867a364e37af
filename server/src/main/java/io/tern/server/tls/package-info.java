/** Key material from PEM files: TLS for the client and peer listeners (with etcd's trust checks and self-signed certificates) and the JWT keys. */
package io.tern.server.tls;
