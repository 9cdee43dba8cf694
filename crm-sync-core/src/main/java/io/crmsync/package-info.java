/**
 * The sync engine users call: {@link io.crmsync.CRMSync}, its report, listener and alert hooks, the exception hierarchy and the injectable {@link io.crmsync.TimeSource}.
 */
@NullMarked
package io.crmsync;

import org.jspecify.annotations.NullMarked;
