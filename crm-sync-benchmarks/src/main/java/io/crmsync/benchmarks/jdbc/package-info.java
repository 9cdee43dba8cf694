/** Benchmarks of the PostgreSQL queue and state store beside the in-memory ones. */
@NullMarked
package io.crmsync.benchmarks.jdbc;

import org.jspecify.annotations.NullMarked;
