/** End-to-end benchmarks of the HubSpot adapter and engine against the HubSpot emulator. */
@NullMarked
package io.crmsync.benchmarks.hubspot;

import org.jspecify.annotations.NullMarked;
