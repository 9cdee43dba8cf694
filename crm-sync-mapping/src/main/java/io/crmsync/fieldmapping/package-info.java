/**
 * Declarative field mappings between an object of one CRM and an object of another: {@link
 * io.crmsync.fieldmapping.FieldMapping}, built in code or loaded from YAML or JSON, with standard {@link
 * io.crmsync.fieldmapping.Transforms} and named custom ones ({@link io.crmsync.fieldmapping.TransformRegistry}),
 * checked against both adapters' fields before a record moves.
 */
@NullMarked
package io.crmsync.fieldmapping;

import org.jspecify.annotations.NullMarked;
