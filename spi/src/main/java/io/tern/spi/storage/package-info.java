/** The ordered byte-key store that the MVCC layer is written against, and the provider that creates one. */
package io.tern.spi.storage;
