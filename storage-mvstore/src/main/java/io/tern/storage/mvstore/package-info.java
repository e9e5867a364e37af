/** The {@code mvstore} storage engine: Tern's ordered byte-key store in one H2 MVStore file. */
package io.tern.storage.mvstore;
