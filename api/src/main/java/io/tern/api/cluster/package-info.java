/** Who this member is in its cluster: the ids every response header carries. */
package io.tern.api.cluster;
