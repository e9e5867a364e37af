/** The cluster: who its members are, how they change, and the ids every response header carries. */
package io.tern.api.cluster;
