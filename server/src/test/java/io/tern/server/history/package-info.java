/** Histories of what clients did and saw, and the checkers that hold them to etcd's guarantees. */
package io.tern.server.history;
