/** The gateway's workings: not part of its contract, and free to change in any release. */
@NullMarked
package io.crmsync.gateway.internal;

import org.jspecify.annotations.NullMarked;
