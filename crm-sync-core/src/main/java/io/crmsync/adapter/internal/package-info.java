/**
 * Implementation details; not part of the API and may change without notice.
 */
@NullMarked
package io.crmsync.adapter.internal;

import org.jspecify.annotations.NullMarked;
