package io.crmsync.quality;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One comparison of a pair: the values compared (normalised), the agreement level reached and its
 * weight.
 *
 * @param name the comparison (usually the field name)
 * @param valueA the first record's normalised value, or {@code null} when missing
 * @param valueB the second record's normalised value, or {@code null} when missing
 * @param level the level label, such as {@code exact}, {@code nickname}, {@code jw>=0.92}, {@code
 *     disagree}, {@code missing}
 * @param weight in probabilistic mode the log2 Bayes factor of that level (term-frequency adjustment
 *     included); in rules mode the similarity
 * @param note what else shaped the weight (term-frequency adjustment, role mailbox ...), or empty
 */
public record ComparisonDetail(
    String name, @Nullable String valueA, @Nullable String valueB, String level, double weight, String note) {
  public ComparisonDetail {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(level, "level");
    Objects.requireNonNull(note, "note");
  }
}
