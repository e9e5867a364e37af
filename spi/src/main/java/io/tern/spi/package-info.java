/** Service-provider interfaces through which Tern finds its storage engines and consensus, by name. */
package io.tern.spi;
