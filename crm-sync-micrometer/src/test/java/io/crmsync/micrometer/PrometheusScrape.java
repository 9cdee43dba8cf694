package io.crmsync.micrometer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Prometheus text-format (0.0.4) exposition, parsed: each sample's name, labels and value, as a scraper
 * reads them. Fails on a line that is neither a comment nor a well-formed sample.
 */
final class PrometheusScrape {
  /** One sample line. */
  record Sample(String name, Map<String, String> labels, double value) {}

  private static final Pattern SAMPLE =
      Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})? (\\S+)(?: \\d+)?");
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\",?");

  private final List<Sample> samples;
  private final Map<String, String> types = new LinkedHashMap<>();

  private PrometheusScrape(List<Sample> samples) {
    this.samples = samples;
  }

  static PrometheusScrape parse(String text) {
    List<Sample> out = new ArrayList<>();
    PrometheusScrape scrape = new PrometheusScrape(out);
    for (String line : text.split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      if (line.startsWith("# TYPE ")) {
        String[] p = line.split(" ");
        scrape.types.put(p[2], p[3]);
        continue;
      }
      if (line.startsWith("#")) {
        continue;
      }
      Matcher m = SAMPLE.matcher(line);
      if (!m.matches()) {
        throw new IllegalArgumentException("not a Prometheus sample: " + line);
      }
      Map<String, String> labels = new LinkedHashMap<>();
      if (m.group(2) != null && !m.group(2).isEmpty()) {
        Matcher l = LABEL.matcher(m.group(2));
        int end = 0;
        while (l.find() && l.start() == end) {
          labels.put(l.group(1), l.group(2).replace("\\\"", "\"").replace("\\n", "\n").replace("\\\\", "\\"));
          end = l.end();
        }
        if (end != m.group(2).length()) {
          throw new IllegalArgumentException("malformed labels: " + line);
        }
      }
      out.add(new Sample(m.group(1), labels, parseValue(m.group(3))));
    }
    return scrape;
  }

  private static double parseValue(String v) {
    return switch (v) {
      case "NaN" -> Double.NaN;
      case "+Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      default -> Double.parseDouble(v);
    };
  }

  List<Sample> samples() {
    return samples;
  }

  /** The type a {@code # TYPE} line declares for {@code family}, or null. */
  String type(String family) {
    return types.get(family);
  }

  /** The samples named {@code name} whose labels include all of {@code labels} (pairs of name and value). */
  List<Sample> find(String name, String... labels) {
    List<Sample> out = new ArrayList<>();
    for (Sample s : samples) {
      if (!s.name().equals(name)) {
        continue;
      }
      boolean all = true;
      for (int i = 0; i + 1 < labels.length; i += 2) {
        if (!labels[i + 1].equals(s.labels().get(labels[i]))) {
          all = false;
          break;
        }
      }
      if (all) {
        out.add(s);
      }
    }
    return out;
  }

  /** The one sample named {@code name} with {@code labels}; fails if there is not exactly one. */
  double value(String name, String... labels) {
    List<Sample> found = find(name, labels);
    if (found.size() != 1) {
      throw new AssertionError("expected one sample " + name + " " + String.join(",", labels) + ", found " + found);
    }
    return found.get(0).value();
  }

  /** The sum of the samples named {@code name} with {@code labels}. */
  double sum(String name, String... labels) {
    return find(name, labels).stream().mapToDouble(Sample::value).sum();
  }
}
