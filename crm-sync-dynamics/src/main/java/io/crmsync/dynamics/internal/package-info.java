/** The Dynamics adapter's implementation; not part of its contract. */
@NullMarked
package io.crmsync.dynamics.internal;

import org.jspecify.annotations.NullMarked;
