package io.crmsync.dynamics;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The HTTP exchanges Microsoft publishes for the Dataverse Web API, transcribed into {@code
 * ../shared/specs/dynamics365/webapi-http-examples/*.http} next to the repository (surefire runs in the module
 * directory). They are not copied into the repository; tests that need them are skipped where they are absent.
 *
 * <p>A file is a sequence of blocks, each headed {@code ### <title>}: a request ({@code METHOD URL [HTTP/1.1]}) or a
 * response ({@code HTTP/1.1 200 OK}), its headers, a blank line and its body. {@code [Organization URI]} stands for
 * the org's URL.
 */
final class HttpExamples {
  static final Path ROOT = Path.of("..", "..", "shared", "specs", "dynamics365").toAbsolutePath().normalize();

  /** One request or response of a file. */
  record Message(String title, String startLine, Map<String, String> headers, String body) {
    /** The method of a request. */
    String method() {
      return startLine.split(" ")[0];
    }


    /** The URL of a request, {@code [Organization URI]} replaced by {@code org}. */
    String url(String org) {
      return withOrg(startLine, org).split(" ")[1];
    }

    /** The status of a response. */
    int status() {
      return Integer.parseInt(startLine.split(" ")[1]);
    }

    String body(String org) {
      return withOrg(body, org);
    }

    String header(String name, String org) {
      String v = headers.get(name);
      return v == null ? null : withOrg(v, org);
    }
  }

  private HttpExamples() {}

  static String withOrg(String text, String org) {
    return text.replace("[Organization URI]", org).replace("[Organization Uri]", org);
  }

  /** The messages of {@code file} by title; skips the calling test if the shared specs are not there. */
  static Map<String, Message> read(String file) {
    String text = text("webapi-http-examples/" + file);
    Map<String, Message> out = new LinkedHashMap<>();
    List<String> lines = List.of(text.split("\r?\n", -1));
    int i = 0;
    while (i < lines.size()) {
      String line = lines.get(i);
      if (!line.startsWith("### ")) {
        i++;
        continue;
      }
      String title = line.substring(4).strip();
      int end = i + 1;
      while (end < lines.size() && !lines.get(end).startsWith("###")) {
        end++;
      }
      Message m = parse(title, lines.subList(i + 1, end));
      if (m != null) {
        out.put(title, m);
      }
      i = end;
    }
    return out;
  }

  /** A file's text under {@link #ROOT}; skips the calling test if it is absent. */
  static String text(String relative) {
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

  private static Message parse(String title, List<String> block) {
    int i = 0;
    while (i < block.size() && (block.get(i).isBlank() || block.get(i).startsWith("#"))) {
      i++;
    }
    if (i == block.size()) {
      return null;
    }
    String start = block.get(i++).strip();
    if (!start.matches("(GET|POST|PATCH|PUT|DELETE) \\S+.*") && !start.matches("HTTP/1\\.1 \\d{3}.*")) {
      return null; // prose, or a fragment such as a header list
    }
    Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    while (i < block.size() && !block.get(i).isBlank() && block.get(i).contains(":") && !block.get(i).startsWith("{")) {
      String h = block.get(i++);
      headers.put(h.substring(0, h.indexOf(':')).strip(), h.substring(h.indexOf(':') + 1).strip());
    }
    if (i < block.size() && block.get(i).isBlank()) {
      i++;
    }
    List<String> body = new ArrayList<>(block.subList(i, block.size()));
    while (!body.isEmpty() && (body.get(body.size() - 1).isBlank() || body.get(body.size() - 1).startsWith("# "))) {
      body.remove(body.size() - 1);
    }
    return new Message(title, start, headers, String.join("\n", body));
  }
}
