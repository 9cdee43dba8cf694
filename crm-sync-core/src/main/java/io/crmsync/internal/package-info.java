/**
 * Implementation details of the engine; not part of the API and may change without notice.
 */
@NullMarked
package io.crmsync.internal;

import org.jspecify.annotations.NullMarked;
