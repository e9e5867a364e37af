/** The Tern server: wires storage, consensus and the etcd API into a Helidon SE web server. */
package io.tern.server;
