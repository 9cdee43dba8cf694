/**
 * Implementation details of the Pipedrive adapter: authentication, entity and field-name mapping, the
 * fields catalog, value conversion, error mapping. Not part of the API; may change without notice.
 */
@NullMarked
package io.crmsync.pipedrive.internal;

import org.jspecify.annotations.NullMarked;
