/**
 * For adapter authors: implement {@link io.crmsync.adapter.spi.CRMAdapterProvider} and list it in {@code META-INF/services/io.crmsync.adapter.spi.CRMAdapterProvider}. Everything here may be implemented outside this project; changes are announced under "SPI Changes" in the changelog.
 */
@NullMarked
package io.crmsync.adapter.spi;

import org.jspecify.annotations.NullMarked;
