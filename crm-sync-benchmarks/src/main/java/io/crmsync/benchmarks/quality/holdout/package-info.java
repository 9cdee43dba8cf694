/**
 * A holdout for {@link io.crmsync.quality.DataQualityEngine}: {@link
 * io.crmsync.benchmarks.quality.holdout.HoldoutContacts} generates messy Salesforce- and HubSpot-style
 * contact exports with known truth, and {@link io.crmsync.benchmarks.quality.holdout.HoldoutAccuracy}
 * measures the engine on them through its public API only, as an outside evaluator would, and says which
 * kinds of noise the misses and false matches come from.
 *
 * <p>Written without reading the engine's internals, its own synthetic generator or its tests, so that
 * tuning against the engine's generator cannot also tune against this one. Keep it that way: do not
 * calibrate this generator on the engine's results, and do not copy its choices into the engine's
 * generator.
 */
@NullMarked
package io.crmsync.benchmarks.quality.holdout;

import org.jspecify.annotations.NullMarked;
