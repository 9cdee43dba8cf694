/** End-to-end benchmarks of the Dynamics 365 adapter against the testkit's Dataverse emulator. */
@NullMarked
package io.crmsync.benchmarks.dynamics;

import org.jspecify.annotations.NullMarked;
