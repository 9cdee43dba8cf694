/**
 * Benchmarks of {@link io.crmsync.quality.DataQualityEngine}: the end-to-end main {@link
 * io.crmsync.benchmarks.quality.DedupeEndToEnd} and JMH benchmarks of the hot paths.
 */
@NullMarked
package io.crmsync.benchmarks.quality;

import org.jspecify.annotations.NullMarked;
