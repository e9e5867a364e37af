/** Thin gRPC endpoints for etcd's services: validate, call the API layer, map errors, answer. */
package io.tern.server.grpc;
