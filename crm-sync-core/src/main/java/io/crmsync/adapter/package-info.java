/**
 * What users call on a CRM: {@link io.crmsync.adapter.CRMAdapter}, its configuration, capabilities, pages and per-record results.
 */
@NullMarked
package io.crmsync.adapter;

import org.jspecify.annotations.NullMarked;
