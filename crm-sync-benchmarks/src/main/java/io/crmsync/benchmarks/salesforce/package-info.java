/** End-to-end benchmarks of the Salesforce adapter against the testkit's emulator. */
@NullMarked
package io.crmsync.benchmarks.salesforce;

import org.jspecify.annotations.NullMarked;
