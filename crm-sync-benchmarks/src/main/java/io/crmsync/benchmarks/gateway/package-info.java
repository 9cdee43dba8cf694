/** Benchmarks of CrmGateway against direct adapter calls. */
@NullMarked
package io.crmsync.benchmarks.gateway;

import org.jspecify.annotations.NullMarked;
