package io.crmsync.quality;

/** How candidate pairs are judged. */
public enum MatchMode {
  /**
   * The seed recipe: records with the same (normalised, non-role) email match; so do records whose
   * names and companies are both at least {@link RulesConfig#jaroWinklerThreshold()} similar.
   * Predictable, but blind to how common a value is.
   */
  RULES,
  /**
   * Fellegi-Sunter: every compared field gets an agreement level (exact, nickname, Jaro-Winkler bands,
   * disagree, missing); the m and u probabilities of each level are estimated by
   * expectation-maximisation on the candidate pairs without labels, and exact agreements are adjusted
   * by how frequent the value is, so a shared switchboard number or a common surname weighs less than
   * a rare one. A pair matches when its match probability is at least {@link
   * DataQualityEngine.Config#matchProbability()}. The default: more accurate on every benchmark.
   */
  PROBABILISTIC
}
