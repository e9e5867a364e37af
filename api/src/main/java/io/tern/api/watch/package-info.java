/** etcd's Watch: live and historical key events per client stream, with slow streams caught up from storage. */
package io.tern.api.watch;
