/** The {@code rocksdb} storage engine: Tern's ordered byte-key store in one RocksDB database. */
package io.tern.storage.rocksdb;
