/** etcd's auth: users, roles and key permissions, tokens, and the checks every request passes. */
package io.tern.api.auth;
