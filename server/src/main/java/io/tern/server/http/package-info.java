/** Plain HTTP endpoints on the client URLs: etcd's /health and /version. */
package io.tern.server.http;
