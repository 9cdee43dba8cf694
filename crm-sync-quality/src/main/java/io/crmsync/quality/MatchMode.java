package io.crmsync.quality;

/** How candidate pairs are judged. */
public enum MatchMode {
  /**
   * The rules recipe: records with the same (normalised, non-role) email match; so do records whose
   * names and companies are both at least {@link RulesConfig#jaroWinklerThreshold()} similar.
   * Predictable, but blind to how common a value is.
   */
  RULES,
  /**
   * Fellegi-Sunter: every compared field gets an agreement level (exact, nickname, Jaro-Winkler bands,
   * disagree, missing); the m and u probabilities of each level are estimated by
   * expectation-maximisation on the candidate pairs without labels, and exact agreements are adjusted
   * by how frequent the value is, so a shared switchboard number or a common surname weighs less than
   * a rare one. For people with a company, the context fields (phone, city) are scored given whether
   * the company agrees: colleagues share a switchboard and a city, and a person who changed jobs
   * changes email, phone and often city with the company. Small inputs work too: the estimates start
   * from typical values that the data outweigh from a few thousand pairs on, so two or three records
   * with one email and phone match without any background data. A pair matches when its match
   * probability is at least {@link DataQualityEngine.Config#matchProbability()}. The default: more
   * accurate on every benchmark.
   */
  PROBABILISTIC
}
