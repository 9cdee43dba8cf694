/**
 * Implementation details of the HubSpot adapter: authentication, property-name mapping, cursors, error
 * mapping. Not part of the API; may change without notice.
 */
@NullMarked
package io.crmsync.hubspot.internal;

import org.jspecify.annotations.NullMarked;
