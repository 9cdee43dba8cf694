/**
 * Implementation details of the SugarCRM adapter: OAuth sessions, field-name mapping, cursors, error
 * mapping. Not part of the API; may change without notice.
 */
@NullMarked
package io.crmsync.sugarcrm.internal;

import org.jspecify.annotations.NullMarked;
