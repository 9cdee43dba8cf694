/**
 * Implementation details of {@link io.crmsync.quality}; not part of the API and may change without
 * notice.
 */
@NullMarked
package io.crmsync.quality.internal;

import org.jspecify.annotations.NullMarked;
