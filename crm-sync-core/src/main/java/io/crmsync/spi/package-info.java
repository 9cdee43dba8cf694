/**
 * What plug-in authors of every kind share: adapters (see {@link io.crmsync.adapter.spi}), durability
 * backends (see {@link io.crmsync.backend}), emulators. Everything here may be used outside this project;
 * changes are announced under "SPI Changes" in the changelog.
 */
@NullMarked
package io.crmsync.spi;

import org.jspecify.annotations.NullMarked;
