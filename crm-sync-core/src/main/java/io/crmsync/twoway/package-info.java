/**
 * Two-way sync: {@link io.crmsync.twoway.TwoWaySync} keeps two systems in agreement field by field, taking
 * what one side changed since they last agreed and settling what both changed by a {@link
 * io.crmsync.twoway.ConflictPolicy}.
 */
@NullMarked
package io.crmsync.twoway;

import org.jspecify.annotations.NullMarked;
