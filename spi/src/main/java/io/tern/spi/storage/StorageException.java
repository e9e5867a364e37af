package io.tern.spi.storage;

/** An engine could not do what it was asked; the message names the operation and the path. */
public class StorageException extends RuntimeException {
    public StorageException(String message) {
        super(message);
    }

    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
