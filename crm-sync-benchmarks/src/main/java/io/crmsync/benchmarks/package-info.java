/** Benchmarks: JMH for hot paths, and end-to-end mains that measure a baseline in the same run. */
@NullMarked
package io.crmsync.benchmarks;

import org.jspecify.annotations.NullMarked;
