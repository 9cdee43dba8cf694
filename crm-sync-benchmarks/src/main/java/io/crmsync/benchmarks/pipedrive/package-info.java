/** End-to-end benchmarks of the Pipedrive adapter and engine against the Pipedrive emulator. */
@NullMarked
package io.crmsync.benchmarks.pipedrive;

import org.jspecify.annotations.NullMarked;
