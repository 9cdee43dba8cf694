/**
 * Implementation details of the Zoho CRM adapter: settings, tokens, the API client and its limits, COQL
 * building, name mapping, cursors, error mapping. Not part of the API; may change without notice.
 */
@NullMarked
package io.crmsync.zoho.internal;

import org.jspecify.annotations.NullMarked;
