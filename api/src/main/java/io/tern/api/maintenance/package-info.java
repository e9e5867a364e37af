/** etcd's Maintenance service: member status now; defragment, snapshot, hashes and alarms in later work. */
package io.tern.api.maintenance;
