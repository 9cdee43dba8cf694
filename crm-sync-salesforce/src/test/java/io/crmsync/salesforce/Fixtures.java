package io.crmsync.salesforce;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Responses recorded from real orgs, read where the project keeps them: {@code ../shared/specs/salesforce} next to
 * the repository (surefire runs in the module directory, whose parent is the repository root). They are not
 * copied into the repository; tests that need them are skipped where they are absent, such as in a fresh clone.
 */
final class Fixtures {
  static final Path ROOT = Path.of("..", "..", "shared", "specs", "salesforce").toAbsolutePath().normalize();

  private Fixtures() {}

  /** The fixture's text; skips the calling test if the shared specs are not there. */
  static String read(String relative) {
    assumeTrue(Files.isDirectory(ROOT),
        "golden fixtures skipped: " + ROOT + " is absent (it sits next to the repository, as ../shared/specs)");
    Path p = ROOT.resolve(relative);
    assumeTrue(Files.isRegularFile(p), "golden fixture skipped: " + p + " is absent");
    try {
      return Files.readString(p, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String restforce(String name) {
    return read("restforce-fixtures/" + name);
  }

  static String cassette(String relative) {
    return read("cumulusci-cassettes/cumulusci/" + relative);
  }

  /**
   * The body of the first response after {@code marker} in a VCR.py cassette: a YAML block scalar ({@code string:
   * >}) or a double-quoted scalar, decoded.
   */
  static String responseBodyAfter(String yaml, String marker) {
    int at = yaml.indexOf(marker);
    if (at < 0) {
      throw new IllegalArgumentException("marker not in cassette: " + marker);
    }
    int response = yaml.indexOf("response:", at);
    int string = yaml.indexOf("string:", response);
    return scalar(yaml, string + "string:".length());
  }

  /** The first request body after {@code marker}: a single-quoted YAML scalar. */
  static String requestBodyAfter(String yaml, String marker) {
    int at = yaml.indexOf(marker);
    int body = yaml.indexOf("body:", at) + "body:".length();
    while (Character.isWhitespace(yaml.charAt(body))) {
      body++;
    }
    if (yaml.charAt(body) != '\'') {
      throw new IllegalArgumentException("request body is not single-quoted at " + body);
    }
    StringBuilder sb = new StringBuilder();
    for (int i = body + 1; i < yaml.length(); i++) {
      char c = yaml.charAt(i);
      if (c == '\'') {
        if (i + 1 < yaml.length() && yaml.charAt(i + 1) == '\'') {
          sb.append('\'');
          i++;
          continue;
        }
        break;
      }
      if (c == '\n') {
        trimTrailingSpaces(sb);
        while (i + 1 < yaml.length() && yaml.charAt(i + 1) == ' ') {
          i++;
        }
        sb.append(' ');
        continue;
      }
      sb.append(c);
    }
    return sb.toString();
  }

  private static String scalar(String yaml, int from) {
    int i = from;
    while (yaml.charAt(i) == ' ' || yaml.charAt(i) == '\n') {
      i++;
    }
    char c = yaml.charAt(i);
    if (c == '>' || c == '|') {
      int lineStart = yaml.indexOf('\n', i) + 1;
      int indent = 0;
      while (yaml.charAt(lineStart + indent) == ' ') {
        indent++;
      }
      StringBuilder sb = new StringBuilder();
      int pos = lineStart;
      while (pos < yaml.length()) {
        int end = yaml.indexOf('\n', pos);
        if (end < 0) {
          end = yaml.length();
        }
        String line = yaml.substring(pos, end);
        if (!line.isBlank() && (line.length() < indent || !line.substring(0, indent).isBlank())) {
          break;
        }
        sb.append(line.length() >= indent ? line.substring(indent) : "").append('\n');
        pos = end + 1;
      }
      return sb.toString();
    }
    if (c != '"') {
      throw new IllegalArgumentException("unsupported YAML scalar at " + i);
    }
    StringBuilder sb = new StringBuilder();
    for (i = i + 1; i < yaml.length(); i++) {
      char d = yaml.charAt(i);
      if (d == '"') {
        break;
      }
      if (d == '\\') {
        char e = yaml.charAt(++i);
        switch (e) {
          case '\n' -> {
            while (yaml.charAt(i + 1) == ' ') {
              i++;
            }
          }
          case 'n' -> sb.append('\n');
          case 't' -> sb.append('\t');
          case 'r' -> sb.append('\r');
          case '/' -> sb.append('/');
          case ' ' -> sb.append(' ');
          default -> sb.append(e);
        }
      } else if (d == '\n') {
        trimTrailingSpaces(sb);
        while (yaml.charAt(i + 1) == ' ') {
          i++;
        }
        sb.append(' ');
      } else {
        sb.append(d);
      }
    }
    return sb.toString();
  }

  private static void trimTrailingSpaces(StringBuilder sb) {
    while (sb.length() > 0 && sb.charAt(sb.length() - 1) == ' ') {
      sb.setLength(sb.length() - 1);
    }
  }
}
