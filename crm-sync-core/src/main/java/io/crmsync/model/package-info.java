/**
 * CRM-neutral records: {@link io.crmsync.model.CrmRecord} for any object type and the typed {@link io.crmsync.model.Contact} view.
 */
@NullMarked
package io.crmsync.model;

import org.jspecify.annotations.NullMarked;
