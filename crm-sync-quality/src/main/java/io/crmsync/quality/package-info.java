/**
 * Data quality: deduplicate records into clusters, pick a master per cluster, merge fields with
 * provenance, and explain every decision.
 *
 * <p>Start at {@link io.crmsync.quality.DataQualityEngine}. Records come in as {@link
 * io.crmsync.quality.DedupeRecord}s (from a {@link io.crmsync.model.CrmRecord}, a CSV row via {@link
 * io.crmsync.quality.CsvTable}, or built directly); a {@link io.crmsync.quality.RecordSchema} says
 * which field plays which {@link io.crmsync.quality.FieldRole}.
 */
@NullMarked
package io.crmsync.quality;

import org.jspecify.annotations.NullMarked;
