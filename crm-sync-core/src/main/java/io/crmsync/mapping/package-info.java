/**
 * How records are mapped between two systems: {@link io.crmsync.mapping.RecordMapper}, which the engine
 * applies to every record and checks against both adapters' fields before a record moves.
 * {@code crm-sync-mapping} provides the declarative {@code FieldMapping}; implement the interface for
 * your own.
 */
@NullMarked
package io.crmsync.mapping;

import org.jspecify.annotations.NullMarked;
