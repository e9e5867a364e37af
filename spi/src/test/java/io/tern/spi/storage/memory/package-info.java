/** A copy-on-write in-memory storage engine for fast tests, built from the SPI jar and one services file alone. */
package io.tern.spi.storage.memory;
